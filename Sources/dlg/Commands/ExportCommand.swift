import ArgumentParser
import DLG
import Foundation

/// `dlg export MODEL --weights W -o model.onnx`: a trained model for ONNX Runtime and Netron.
struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Write a trained model as ONNX (inference graph and weights).",
    discussion: """
      The graph is the model's inference graph: Dropout passes its input through and
      BatchNorm uses its running statistics. Inputs and outputs are NHWC as in dlg; the batch
      dimension is symbolic (N) unless --batch fixes it. A classifier also outputs its class
      probabilities. docs/onnx.md lists what each layer becomes.

      Examples:
        dlg export graphs/fashion_mnist.dlg --weights w.safetensors -o fashion_mnist.onnx
        dlg export graphs/lenet_cifar10.dlg --weights w.safetensors -o lenet.onnx --opset 20 --batch 1
      """)

  @ArgumentParser.Argument(help: "The .dlg model.")
  var file: String

  @Option(help: "Weights written by `dlg run --save` (safetensors).")
  var weights: String

  @Option(name: .shortAndLong, help: "The .onnx file to write.")
  var output: String

  @Option(help: "The ONNX opset to write (17 to 26).")
  var opset: Int = 17

  @Option(help: "A fixed batch size (default: symbolic, any size).")
  var batch: Int?

  func run() throws {
    if let batch, batch < 1 || batch > 1 << 20 {
      Terminal.failure("--batch must be between 1 and 1048576, got \(batch)")
      throw ExitCode.failure
    }
    let model = try ModelLoading.load(file)
    var options = ONNXExportOptions()
    options.opset = Int64(opset)
    options.batch = batch
    options.producerVersion = DLGCommand.version
    do {
      let proto = try ModelExport.onnx(model: model, weights: weights, options: options)
      try ONNXFile.write(proto, to: output)
      print(
        "wrote \(output): \(proto.graph.node.count) nodes, \(proto.graph.initializer.count) "
          + "initializers, opset \(opset)")
    } catch let error as ONNXError {
      Terminal.failure(error.description)
      throw ExitCode.failure
    } catch let error as WeightsError {
      Terminal.failure(error.description)
      throw ExitCode.failure
    } catch {
      Terminal.failure("\(file): cannot export: \(error)")
      throw ExitCode.failure
    }
  }
}
