import DLG

extension FuzzHarness {
  /// A Mermaid document through `dlg diagram --format dot`: the Markdown block finder, the
  /// flowchart parser (or the model parser for `neuralnet` blocks), the diagram and its DOT
  /// text, which must name every box the diagram holds.
  public static let mermaid = FuzzHarness(
    name: "mermaid", summary: "Markdown blocks, Mermaid flowchart parser, DOT writer"
  ) { bytes in
    let document = SourceFile(path: "fuzz.md", text: String(decoding: bytes, as: UTF8.self))
    let blocks = MarkdownBlocks.mermaid(in: document)
    var accepted = false
    for block in blocks.isEmpty ? [document] : blocks {
      let (chart, diagnostics) = FlowchartParser.parse(block)
      guard !diagnostics.contains(where: { $0.severity == .error }) else { continue }
      let diagram = FlowchartDiagram.diagram(for: chart)
      guard diagram.sizeProblem == nil else { continue }
      let dot = DOTWriter.dot(for: diagram)
      require(dot.hasPrefix("digraph"), "the DOT text does not start with `digraph`")
      accepted = true
    }
    return accepted
  }
}
