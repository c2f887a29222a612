import Testing

@testable import DLGLang

@Suite struct RendererTests {
  @Test func caretUnderTheRange() {
    let source = SourceFile(path: "m.dlg", text: "neuralnet\n  y: Dens[3]\n")
    let start = source.location(of: 15)
    let end = source.location(of: 19)
    let diagnostic = Diagnostic(
      code: "E201", "unknown layer type `Dens`",
      at: SourceRange(file: "m.dlg", start: start, end: end), help: "did you mean `Dense`?",
      notes: ["a note"])
    let text = DiagnosticRenderer(sources: [source], color: false).render(diagnostic)
    #expect(
      text == """
        m.dlg:2:6: error[E201]: unknown layer type `Dens`
          2 |   y: Dens[3]
            |      ^~~~
          help: did you mean `Dense`?
          note: a note
        """)
  }

  @Test func caretLinesUpAfterChineseText() {
    let source = SourceFile(path: "m.dlg", text: "  卷积: Dens[3]\n")
    let offset = Array("  卷积: ".utf8).count
    let range = SourceRange(
      file: "m.dlg", start: source.location(of: offset), end: source.location(of: offset + 4))
    #expect(range.start.column == 7)
    let lines = DiagnosticRenderer(sources: [source], color: false)
      .render(Diagnostic(code: "E201", "x", at: range)).split(separator: "\n")
    // Two wide characters take four columns: the caret sits under `D`.
    let caretLine = String(lines[2])
    let codeLine = String(lines[1])
    let caretColumn = displayWidth(String(caretLine.prefix { $0 != "^" }))
    let dColumn = displayWidth(String(codeLine.prefix { $0 != "D" }))
    #expect(caretColumn == dColumn)
  }

  @Test func colourOnlyWhenAsked() {
    let source = SourceFile(path: "m.dlg", text: "x\n")
    let range = SourceRange(
      file: "m.dlg", start: source.location(of: 0), end: source.location(of: 1))
    let plain = DiagnosticRenderer(sources: [source], color: false)
      .render(Diagnostic(code: "E1", "m", at: range))
    let coloured = DiagnosticRenderer(sources: [source], color: true)
      .render(Diagnostic(code: "E1", "m", at: range))
    #expect(!plain.contains("\u{1B}["))
    #expect(coloured.contains("\u{1B}["))
  }

  @Test func closestMatchSuggestsOnlyNearNames() {
    #expect(closestMatch(to: "Dens", among: ["Dense", "Conv2D", "Flatten"]) == "Dense")
    #expect(closestMatch(to: "conv2d", among: ["Dense", "Conv2D"]) == "Conv2D")
    #expect(closestMatch(to: "Flaten", among: ["Dense", "Flatten"]) == "Flatten")
    #expect(closestMatch(to: "epoch", among: ["epochs", "batch"]) == "epochs")
    #expect(closestMatch(to: "xyz", among: ["Dense", "Conv2D"]) == nil)
    #expect(closestMatch(to: "Dnese", among: ["Dense"]) == "Dense")
  }
}
