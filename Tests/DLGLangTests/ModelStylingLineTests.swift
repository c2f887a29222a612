import DLGLang
import Testing

/// Mermaid styling pasted with a `neuralnet` diagram: skipped with a warning by the model
/// parser, and kept as written by the formatter.
@Suite struct ModelStylingLineTests {
  static let text = """
    neuralnet
      x: Input[4]
      d: Dense[2]
      x --> d
      classDef hot fill:#f96,stroke:#333
      class d hot
      style   d fill:#0f0  %% green
    """

  @Test func stylingLinesAreSkippedWithAWarning() {
    let result = Parser.parse(SourceFile(path: "m.dlg", text: Self.text))
    #expect(result.diagnostics.map(\.code) == ["W001", "W001", "W001"], "\(result.diagnostics)")
    #expect(result.diagnostics.allSatisfy { $0.severity == .warning })
    #expect(result.model.network?.layers.count == 2)
    #expect(result.model.network?.chains.count == 1)
  }

  @Test func theFormatterKeepsThemAsWritten() throws {
    let formatted = try #require(Formatter.format(SourceFile(path: "m.dlg", text: Self.text)))
    #expect(formatted.contains("  classDef hot fill:#f96,stroke:#333\n"))
    #expect(formatted.contains("  class d hot\n"))
    #expect(formatted.contains("  style   d fill:#0f0  %% green"))
  }

  @Test func edgesFromLayersNamedLikeKeywordsAndTrailingSemicolonsAreKept() {
    let text = """
      neuralnet
        style: Input[4]
        class: Dense[2]
        style --> class
        class d hot;
      """
    let result = Parser.parse(SourceFile(path: "m.dlg", text: text))
    #expect(result.model.network?.chains.count == 1, "\(result.diagnostics)")
    #expect(result.diagnostics.map(\.code) == ["W001"], "\(result.diagnostics)")
    let formatted = Formatter.format(SourceFile(path: "m.dlg", text: text))
    #expect(formatted?.contains("  style --> class\n") == true, "\(formatted ?? "nil")")
    #expect(formatted?.contains("  class d hot;") == true)
  }

  @Test func formattingStylingLinesTwiceChangesNothing() throws {
    let text = "neuralnet\n  x: Input[2]\n  click x \"https://x/a%%b\"  %% link\n"
    let once = try #require(Formatter.format(SourceFile(path: "m.dlg", text: text)))
    #expect(once.contains("https://x/a%%b\""), "\(once)")
    #expect(Formatter.format(SourceFile(path: "m.dlg", text: once)) == once)
  }
}
