import ArgumentParser
import DLG
import Foundation

/// `dlg diagram FILE -o OUT`: Mermaid diagrams (a .mmd file, or every ```mermaid block of a
/// Markdown file) to SVG, PNG, PDF or DOT.
struct DiagramCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "diagram",
    abstract:
      "Render Mermaid flowcharts and neuralnet diagrams (.mmd or Markdown) through Graphviz.",
    discussion: """
      For a Markdown file, every ```mermaid block becomes one picture: OUT names a folder \
      (written as NAME-1.svg, NAME-2.svg, ...) or a file whose name is numbered the same way.

      Examples:
        dlg diagram README.md -o diagrams/
        dlg diagram flow.mmd -o flow.png
      """)

  @ArgumentParser.Argument(help: "A .mmd file or a Markdown file.")
  var file: String

  @Option(
    name: .shortAndLong, help: "Output file or folder (format from the extension, svg by default).")
  var output: String

  @Option(help: "Colours of boxes the diagram leaves unstyled: dlg, or mermaid (its theme).")
  var theme: Diagram.Palette = .dlg

  func run() throws {
    let source = try ModelLoading.readSource(file)
    let isMarkdown = [".md", ".markdown"].contains { file.lowercased().hasSuffix($0) }
    let blocks = isMarkdown ? MarkdownBlocks.mermaid(in: source) : [source]
    guard !blocks.isEmpty else {
      Terminal.failure("\(file) has no ```mermaid blocks")
      throw ExitCode.failure
    }
    let targets = try outputPaths(count: blocks.count, markdown: isMarkdown)
    let renderer = DiagnosticRenderer(sources: [source], color: Terminal.standardErrorIsTerminal)
    var failed = false
    for (block, target) in zip(blocks, targets) {
      var diagram: Diagram
      switch picture(for: block, renderer) {
      case .drawn(let drawn): diagram = drawn
      case .unsupported: continue
      case .invalid:
        failed = true
        continue
      }
      diagram.palette = theme
      do {
        try write(diagram, to: target.path, format: target.format)
        Terminal.errorLine("wrote \(target.path)")
      } catch {
        Terminal.failure("\(target.path): \(error)")
        failed = true
      }
    }
    if failed { throw ExitCode.failure }
  }

  /// What became of one diagram.
  enum Outcome {
    case drawn(Diagram)
    /// Another kind of Mermaid diagram: warned about and skipped, not an error.
    case unsupported
    /// Errors in the diagram, already printed.
    case invalid
  }

  /// A block's picture: a neuralnet model, or a flowchart.
  private func picture(for block: SourceFile, _ renderer: DiagnosticRenderer) -> Outcome {
    let firstWord =
      block.text.split(whereSeparator: { $0.isWhitespace })
      .first { !$0.hasPrefix("%%") }.map(String.init) ?? ""
    if firstWord == "neuralnet" {
      let parsed = Parser.parse(block)
      let (model, diagnostics) = ModelLowering.lower(parsed.model)
      ModelLoading.report(parsed.diagnostics + diagnostics, renderer)
      return model.map { .drawn(ModelDiagram.diagram(for: $0)) } ?? .invalid
    }
    guard firstWord.isEmpty || firstWord == "graph" || firstWord == "flowchart" else {
      let line =
        block.text.split(separator: "\n", omittingEmptySubsequences: false)
        .firstIndex { $0.contains(firstWord) }.map { $0 + 1 } ?? 1
      Terminal.errorLine(
        "\(file):\(line):1: warning: `\(firstWord)` diagrams are not supported yet; skipped "
          + "(flowchart, graph and neuralnet are)")
      return .unsupported
    }
    let (chart, diagnostics) = FlowchartParser.parse(block)
    ModelLoading.report(diagnostics, renderer)
    guard !diagnostics.contains(where: { $0.severity == .error }) else { return .invalid }
    return .drawn(FlowchartDiagram.diagram(for: chart))
  }

  private func outputPaths(count: Int, markdown: Bool) throws -> [(
    path: String, format: OutputFormat
  )] {
    var isDirectory: ObjCBool = false
    let exists = FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory)
    if (exists && isDirectory.boolValue) || output.hasSuffix("/")
      || (markdown && OutputFormat(path: output) == nil)
    {
      try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
      let base = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
      return (1...count).map { ("\(output)/\(base)-\($0).svg", .svg) }
    }
    guard let format = OutputFormat(path: output) else {
      Terminal.failure("cannot tell the format of \(output): use .svg, .png, .pdf or .dot")
      throw ExitCode.failure
    }
    if count == 1 { return [(output, format)] }
    let stem = String(output.dropLast(format.rawValue.count + 1))
    return (1...count).map { ("\(stem)-\($0).\(format.rawValue)", format) }
  }

  private func write(_ diagram: Diagram, to path: String, format: OutputFormat) throws {
    if format != .dot, let problem = diagram.sizeProblem { throw RenderError(message: problem) }
    let bytes =
      format == .dot
      ? Array(DOTWriter.dot(for: diagram).utf8)
      : try GraphvizRenderer.render(dot: DOTWriter.dot(for: diagram), format: format)
    do {
      try FileOutput.write(Array(bytes), to: path)
    } catch {
      throw RenderError(message: error.description)
    }
  }
}

extension Diagram.Palette: ExpressibleByArgument {}
