import ArgumentParser
import DLG
import Foundation

/// `dlg viz FILE -o OUT`: draw a model, rendered in-process by Graphviz.
struct VizCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "viz",
    abstract: "Draw a model as SVG, PNG, PDF or DOT (format from the output's extension).",
    discussion: """
      Examples:
        dlg viz graphs/fashion_mnist.dlg -o model.svg --rankdir LR
        dlg viz graphs/fashion_mnist.dlg --optimized --training -o step.svg
      """)

  @ArgumentParser.Argument(help: "The .dlg model (or .onnx model) to draw.")
  var file: String

  @Option(name: .shortAndLong, help: "Output file: .svg, .png, .pdf or .dot.")
  var output: String

  @Option(help: "Layout direction: TB, BT, LR or RL (default: the file's, or TB).")
  var rankdir: String?

  @Option(
    parsing: .unconditional,
    help: "Collapse blocks nested deeper than N into one box each (0: every block is a box).")
  var depth: Int?

  @Flag(help: "Draw the ops after optimization: fused nodes list what they fused.")
  var optimized = false

  @Flag(help: "Draw the whole training step: forward, backward and optimizer update.")
  var training = false

  func validate() throws {
    if let rankdir, !["TB", "TD", "BT", "LR", "RL"].contains(rankdir.uppercased()) {
      throw ValidationError("--rankdir must be TB, BT, LR or RL")
    }
    if let depth, depth < 0 { throw ValidationError("--depth must be 0 or more") }
  }

  func run() throws {
    guard let format = OutputFormat(path: output) else {
      Terminal.failure(
        "cannot tell the format of \(output): use an .svg, .png, .pdf or .dot extension")
      throw ExitCode.failure
    }
    var diagram: Diagram
    if file.hasSuffix(".onnx") {
      // An ONNX model is drawn as the dlg graph it imports to (with --optimized, as it runs).
      let onnx = try ONNXLoading.load(file)
      var graph = onnx.imported.graph
      if optimized { graph = onnx.runner.graph }
      diagram = GraphDiagram.diagram(
        for: graph, title: URL(fileURLWithPath: file).lastPathComponent, direction: .topToBottom)
    } else {
      diagram = try picture(of: try ModelLoading.load(file))
    }
    if let rankdir { diagram.direction = ModelDiagram.direction(rankdir) }
    let dot = DOTWriter.dot(for: diagram)
    let bytes: [UInt8]
    if format == .dot {
      bytes = Array(dot.utf8)
    } else {
      if let problem = diagram.sizeProblem {
        Terminal.failure("\(file): \(problem)")
        throw ExitCode.failure
      }
      do {
        bytes = try GraphvizRenderer.render(dot: dot, format: format)
      } catch {
        Terminal.failure("Graphviz could not render \(file): \(error)")
        throw ExitCode.failure
      }
    }
    do {
      try FileOutput.write(Array(bytes), to: output)
    } catch {
      Terminal.failure(error.description)
      throw ExitCode.failure
    }
    Terminal.errorLine("wrote \(output)")
  }

  /// Layers by default; ops of the inference graph or the training step on request.
  private func picture(of model: Model) throws -> Diagram {
    guard optimized || training else { return ModelDiagram.diagram(for: model, depth: depth) }
    let fetches = model.loss.map { [$0] + model.metrics.all.sorted() } ?? model.outputs
    var graph = DeadCodeElimination.run(model.graph, keeping: fetches)
    var graphFetches = fetches
    if training {
      guard let loss = model.loss, let config = model.training else {
        Terminal.failure("--training needs a train section with a loss")
        throw ExitCode.failure
      }
      do {
        let step = try Autodiff.trainingGraph(
          forward: model.graph, loss: loss, fetches: fetches, optimizer: config.optimizer,
          gradientTransforms: config.gradientTransforms)
        (graph, graphFetches) = (step.graph, step.fetches)
      } catch {
        Terminal.failure("cannot differentiate \(file): \(error.description)")
        throw ExitCode.failure
      }
    }
    if optimized {
      graph =
        GraphOptimizer.optimize(
          graph, fetches: graphFetches, level: .standard, evaluator: KernelConstantEvaluator()
        ).context.graph
    }
    return GraphDiagram.diagram(
      for: graph, title: model.title, direction: ModelDiagram.direction(model.direction))
  }
}
