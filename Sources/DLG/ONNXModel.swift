import Foundation

/// An ONNX model ready to run: read, imported into a dlg graph, optimized, and memory-planned
/// per batch size on first use.
public final class ONNXModel: Sendable {
  public let imported: ImportedModel
  public let runner: GraphRunner

  /// Reads and imports `path`; every problem is an `ONNXError` naming what is wrong.
  public convenience init(path: String) throws(ONNXError) {
    try self.init(ONNXFile.read(path))
  }

  /// Imports `proto`; `bindings` are graph inputs taken as constants (see `ONNXImporter`).
  public init(_ proto: ONNXModelProto, bindings: [String: ONNXTensorData] = [:])
    throws(ONNXError)
  {
    imported = try ONNXImporter.importModel(proto, bindings: bindings)
    runner = GraphRunner(
      graph: imported.graph, inputs: imported.inputs.map(\.value),
      outputs: imported.outputs.map(\.value), weights: imported.weights)
  }

  /// The per-sample shape of input `index` (its dimensions after the batch, or all of them).
  public func sampleShape(ofInput index: Int) -> [Int] {
    let type = imported.graph[imported.inputs[index].value].type
    return type.isBatched
      ? type.shape.dropFirst().map { $0.resolved(batch: 1) }
      : type.dimensions(batch: 1)
  }

  /// Runs the model on whole inputs (one array per graph input, each holding every sample).
  public func run(_ inputs: [[Float]]) throws(ONNXError) -> [[Float]] {
    guard inputs.count == imported.inputs.count else {
      throw ONNXError(
        "the model has \(imported.inputs.count) inputs, \(inputs.count) were given")
    }
    guard let batch = runner.batchSize(forInputCounts: inputs.map(\.count)) else {
      throw ONNXError("the input's size is not a whole number of samples")
    }
    for (index, input) in inputs.enumerated() {
      let type = imported.graph[imported.inputs[index].value].type
      let expected = type.elementCount(batch: batch)
      guard input.count == expected else {
        let shape = type.dimensions(batch: batch)
        throw ONNXError(
          "input `\(imported.inputs[index].name)` has \(input.count) values; its shape \(shape) "
            + "needs \(expected)")
      }
    }
    return runner.run(inputs, batchSize: batch)
  }
}
