import Foundation

/// A trained `.dlg` model as an ONNX model: its inference graph (dropout passes through,
/// batch normalization uses the running statistics), its weights as initializers, and, for a
/// classifier, its class probabilities as a second output.
public enum ModelExport {
  public static func onnx(
    model: Model, weights path: String, options: ONNXExportOptions
  ) throws -> ONNXModelProto {
    guard let input = model.input, let output = model.outputs.first else {
      throw ONNXError("the model needs an Input layer and an output to export")
    }
    var graph = model.graph
    var outputs = [(name: layerName(of: output, in: model) ?? "output", value: output)]
    // A classifier trained on logits also answers with probabilities, as `dlg predict` does.
    if let loss = model.loss, let producer = graph[loss].producer {
      let opType = graph.nodes[producer].op.opType
      let endsInSoftmax = graph[output].producer.map { graph.nodes[$0].op is Softmax } ?? false
      if opType.contains("SoftmaxCrossEntropy"), !endsInSoftmax {
        let probabilities = try graph.applySingleOutput(Softmax(), [output], name: "probabilities")
        outputs.append((name: "probabilities", value: probabilities))
      } else if opType.contains("BinaryCrossEntropy") {
        let probability = try graph.applySingleOutput(
          SmoothActivation(.sigmoid), [output], name: "probability")
        outputs.append((name: "probability", value: probability))
      }
    }
    let store = ParameterStore()
    var generator = SeededGenerator(seed: 0)
    store.allocate(for: graph, using: &generator)
    try store.loadWeights(path, into: graph)
    var data: [ValueID: [Float]] = [:]
    for (index, value) in graph.values.enumerated() {
      let id = ValueID(index)
      switch value.role {
      case .parameter, .statistic:
        guard let buffer = store.buffer(id) else { continue }
        data[id] = Array(UnsafeBufferPointer(start: buffer.floats, count: buffer.count))
      case .constant(let values): data[id] = values
      default: continue
      }
    }
    var options = options
    if options.documentation.isEmpty { options.documentation = model.file.source.text }
    if options.name == "dlg", let title = model.title { options.name = title }
    let weights = data
    return try ONNXExporter.export(
      graph, inputs: [(name: graph[input].name, value: input)], outputs: outputs,
      weights: { weights[$0] }, options: options)
  }

  /// The id of the layer whose output `value` is.
  static func layerName(of value: ValueID, in model: Model) -> String? {
    model.layers.last { $0.output == value }?.id
  }
}
