import ArgumentParser
import DLG
import Foundation

/// `dlg viz FILE -o OUT`: draw a model, rendered in-process by Graphviz.
struct VizCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "viz",
    abstract: "Draw a model as SVG, PNG, PDF or DOT (format from the output's extension).")

  @ArgumentParser.Argument(help: "The .dlg model to draw.")
  var file: String

  @Option(name: .shortAndLong, help: "Output file: .svg, .png, .pdf or .dot.")
  var output: String

  func run() throws {
    guard let format = OutputFormat(path: output) else {
      Terminal.failure(
        "cannot tell the format of \(output): use an .svg, .png, .pdf or .dot extension")
      throw ExitCode.failure
    }
    let model = try ModelLoading.load(file)
    let dot = DOTWriter.dot(for: ModelDiagram.diagram(for: model))
    let bytes: [UInt8]
    if format == .dot {
      bytes = Array(dot.utf8)
    } else {
      do {
        bytes = try GraphvizRenderer.render(dot: dot, format: format)
      } catch {
        Terminal.failure("Graphviz could not render \(file): \(error)")
        throw ExitCode.failure
      }
    }
    guard FileManager.default.createFile(atPath: output, contents: Data(bytes)) else {
      Terminal.failure("cannot write \(output)")
      throw ExitCode.failure
    }
    Terminal.errorLine("wrote \(output)")
  }
}
