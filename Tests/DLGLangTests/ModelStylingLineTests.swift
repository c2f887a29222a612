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
}
