import ArgumentParser
import DLG
import Foundation

/// `dlg import model.onnx -o model.dlg`: an ONNX model as a `.dlg` file and its weights.
struct ImportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import",
    abstract: "Write an ONNX model as a .dlg file, with its weights in a .safetensors beside it.",
    discussion: """
      The ops become the layers they lower from (Conv2D with its bias and ReLU, Dense,
      MaxPool2D, Flatten, BatchNorm, ...); the written model is checked against the ONNX graph
      on a random batch before anything is written. A graph with an op that has no .dlg layer
      is refused, naming the node: `dlg predict` and `dlg bench` still run the .onnx file.

      Examples:
        dlg import lenet.onnx -o lenet.dlg          # also writes lenet.safetensors
        dlg eval lenet.dlg --weights lenet.safetensors
      """)

  @ArgumentParser.Argument(help: "The .onnx model.")
  var file: String

  @Option(name: .shortAndLong, help: "The .dlg file to write (the weights go beside it).")
  var output: String

  @Option(help: "Where to write the weights (default: OUTPUT with .safetensors).")
  var weights: String?

  func run() throws {
    guard output.hasSuffix(".dlg") else {
      Terminal.failure("\(output): the model file should end in .dlg")
      throw ExitCode.failure
    }
    let weightsPath = weights ?? String(output.dropLast(4)) + ".safetensors"
    let model = try ONNXLoading.load(file)
    let written: ONNXModelWriter.Written
    do {
      let title = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
      written = try ONNXModelWriter.write(model.imported, title: title)
    } catch {
      Terminal.failure("\(file): cannot write it as a .dlg model: \(error.description)")
      throw ExitCode.failure
    }
    // The weights first: a .dlg without its weights would look like a finished import.
    var buffers: [UnsafeMutableRawPointer] = []
    defer { for buffer in buffers { buffer.deallocate() } }
    let entries = written.weights.map { weight -> SafeTensors.Entry in
      let raw = UnsafeMutableRawPointer.allocate(
        byteCount: max(weight.values.count, 1) * 4, alignment: 64)
      buffers.append(raw)
      raw.copyMemory(from: weight.values, byteCount: weight.values.count * 4)
      return SafeTensors.Entry(
        name: weight.name,
        buffer: TensorBuffer(base: raw, dimensions: weight.dimensions, dtype: .float32))
    }
    do {
      try SafeTensors.write(entries, to: weightsPath)
      try FileOutput.write(Array(written.text.utf8), to: output)
    } catch let error as WeightsError {
      Terminal.failure(error.description)
      throw ExitCode.failure
    } catch let error as FileOutput.Failure {
      Terminal.failure(error.description)
      throw ExitCode.failure
    }
    Terminal.errorLine(
      "wrote \(output) (\(written.text.split(separator: "\n").count) lines) and \(weightsPath) "
        + "(\(written.weights.count) tensors)")
  }
}
