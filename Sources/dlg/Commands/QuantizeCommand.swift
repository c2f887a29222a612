import ArgumentParser
import DLG
import DLGFiles
import Foundation

/// `dlg quantize MODEL --weights W -o W.int8.safetensors`: int8 weights, about 4× smaller.
struct QuantizeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "quantize",
    abstract: "Write a model's weights as int8 (per output channel), about 4× smaller.",
    discussion: """
      The weights of Dense and Conv2D layers are stored as int8 with one f32 scale per output \
      channel (symmetric: the largest weight of each channel is exact). Biases, normalization \
      and embeddings stay f32. `dlg predict`, `eval`, `serve` and `bench --inference` read \
      the file as they read the f32 one; when predicting, Dense products of up to 16 rows \
      compute on the int8 weights, the rest on their f32 values.

      Examples:
        dlg quantize graphs/fashion_mnist.dlg --weights out/fashion_mnist.safetensors
        dlg quantize model.dlg --weights w.safetensors -o w.int8.safetensors
      """)

  @ArgumentParser.Argument(help: "The .dlg model the weights belong to.")
  var file: String

  @Option(help: "The f32 weights written by `dlg run --save` (safetensors).")
  var weights: String

  @Option(
    name: .shortAndLong,
    help: "The int8 file to write (default: the weights' name with .int8.safetensors).")
  var output: String?

  /// `w.safetensors` → `w.int8.safetensors`.
  var outputPath: String {
    if let output { return output }
    let stem = weights.hasSuffix(".safetensors") ? String(weights.dropLast(12)) : weights
    return stem + ".int8.safetensors"
  }

  func run() throws {
    let output = outputPath
    if let problem = OutputPaths.problem([("-o", output)], modelFile: file) {
      Terminal.failure(problem)
      throw ExitCode.failure
    }
    if OutputPaths.canonical(output) == OutputPaths.canonical(weights) {
      Terminal.failure("-o \(output) is the weights file: choose another name, or it is lost")
      throw ExitCode.failure
    }
    let model = try ModelLoading.load(file)
    try ModelLoading.requireExecutable(model)
    let result: WeightQuantizer.Result
    do {
      result = try WeightQuantizer.quantize(model: model, weights: weights)
    } catch {
      Terminal.failure(error.description)
      throw ExitCode.failure
    }
    guard !result.layers.isEmpty else {
      Terminal.failure("\(file) has no Dense or Conv2D weights to quantize")
      throw ExitCode.failure
    }
    do {
      try FileOutput.write(result.bytes, to: output)
    } catch {
      Terminal.failure("cannot write \(output): \(error.description)")
      throw ExitCode.failure
    }
    for layer in result.layers {
      let shape = layer.shape.map(String.init).joined(separator: "×")
      Terminal.errorLine(
        String(
          format: "  %@ %@: int8, %d scales, largest error %.2f%% of the largest weight",
          layer.name, shape, layer.shape[layer.axis], 100 * layer.relativeError))
    }
    let before = (try? FileManager.default.attributesOfItem(atPath: weights)[.size] as? Int) ?? 0
    let ratio =
      before > 0
      ? String(format: ", %.2f× smaller", Double(before) / Double(result.bytes.count)) : ""
    Terminal.errorLine(
      "wrote \(output): \(result.layers.count) weights in int8, \(result.keptNames.count) "
        + "tensors in f32; \(Self.size(result.bytes.count)) (from \(Self.size(before))\(ratio))")
  }

  /// A byte count as people read it.
  static func size(_ bytes: Int) -> String {
    bytes >= 1 << 20
      ? String(format: "%.2f MiB", Double(bytes) / Double(1 << 20))
      : String(format: "%.1f KiB", Double(bytes) / 1024)
  }
}
