import DLG
import Foundation

extension FuzzHarness {
  /// An `.onnx` file as `dlg predict`, `dlg bench` and `dlg viz` read it: the protobuf, the
  /// checks of versions and tensors, the import into dlg's graph; then, when the graph is
  /// small, one batch through the optimized plan.
  public static let onnx = FuzzHarness(
    name: "onnx", summary: "ONNX protobuf, tensor checks, import rules, running the result"
  ) { bytes in
    guard let proto = try? ONNXFile.decode(Data(bytes), source: "fuzz.onnx"),
      let imported = try? ONNXImporter.importModel(proto)
    else { return false }
    for port in imported.inputs + imported.outputs {
      require(port.value.index < imported.graph.values.count, "`\(port.name)` is not in the graph")
    }
    for (value, data) in imported.weights {
      require(
        imported.graph[value].type.elementsPerItem == data.count,
        "`\(imported.graph[value].name)` holds data that is not its shape")
    }
    // Running allocates every tensor: only graphs a fuzzer can run thousands of times a second.
    var elements = 0
    for value in imported.graph.values {
      guard let count = value.type.checkedElementsPerItem, count < 1 << 16 else { return true }
      elements += count
    }
    guard elements < 1 << 16, let model = try? ONNXModel(proto) else { return true }
    let inputs = imported.inputs.map { port in
      [Float](repeating: 0.5, count: imported.graph[port.value].type.elementCount(batch: 2))
    }
    if let outputs = try? model.run(inputs) {
      require(outputs.count == imported.outputs.count, "an output is missing")
    }
    return true
  }
}
