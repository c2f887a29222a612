import DLGGraph

/// What `dlg export` writes besides the graph.
public struct ONNXExportOptions: Sendable {
  /// The default-domain opset (ONNX Runtime 1.31 loads up to 26).
  public var opset: Int64 = 17
  /// A fixed batch size, or nil for a symbolic `N`.
  public var batch: Int?
  /// The model's name (the graph's name in Netron).
  public var name = "dlg"
  /// dlg's version, written as `producer_version`.
  public var producerVersion = ""
  /// The source model, written as `doc_string`.
  public var documentation = ""

  public init() {}

  /// The IR version that goes with an opset (`onnx.helper.VERSION_TABLE`).
  public var irVersion: Int64 {
    switch opset {
    case ..<15: 7
    case 15...18: 8
    case 19...20: 9
    case 21...22: 10
    case 23: 11
    case 24: 12
    default: 13
    }
  }
}

/// Writes a dlg inference graph as an ONNX model, node by node through the export rules.
public enum ONNXExporter {
  public static let oldestOpset: Int64 = 17

  /// Exports the nodes of `graph` that `outputs` need. `weights` gives the data of every
  /// parameter, statistic and constant (in its dlg shape).
  public static func export(
    _ graph: Graph, inputs: [(name: String, value: ValueID)],
    outputs: [(name: String, value: ValueID)],
    weights: @escaping @Sendable (ValueID) -> [Float]?, options: ONNXExportOptions
  ) throws(ONNXError) -> ONNXModelProto {
    guard options.opset >= oldestOpset, options.opset <= ONNXFile.newestOpset else {
      throw ONNXError(
        "opset \(options.opset) is not one dlg writes: use \(oldestOpset) to \(ONNXFile.newestOpset)"
      )
    }
    var context = ExportContext(graph: graph, opset: options.opset, weights: weights)
    var model = ONNXModelProto()
    model.irVersion = options.irVersion
    model.producerName = "dlg"
    model.producerVersion = options.producerVersion
    model.docString = options.documentation
    var opsetID = ONNXOperatorSetIdProto()
    opsetID.version = options.opset
    model.opsetImport = [opsetID]

    var onnxGraph = ONNXGraphProto()
    onnxGraph.name = options.name
    for (name, value) in inputs {
      let onnxName = context.freshName(name)
      context.define(value, onnxName)
      onnxGraph.input.append(valueInfo(onnxName, graph[value].type, batch: options.batch))
    }
    let needed = neededNodes(graph, for: outputs.map(\.value))
    for index in graph.nodes.indices where needed.contains(index) {
      let node = graph.nodes[index]
      guard let rule = ONNXExportRules.rule(for: node.op.opType) else {
        throw ONNXError.unsupported(
          "\(node.name): dlg's \(node.op.name) op does not export to ONNX yet")
      }
      context.node = node
      try rule.exportNode(node, &context)
    }
    context.node = nil
    for (name, value) in outputs {
      var source = try context.name(value)
      // Graph outputs carry the names asked for (the layer ids).
      if source != name { source = context.addNode("Identity", [source], base: name)[0] }
      onnxGraph.output.append(valueInfo(source, graph[value].type, batch: options.batch))
    }
    onnxGraph.node = context.nodes
    onnxGraph.initializer = context.initializers
    model.graph = onnxGraph
    return model
  }

  /// The indices of the nodes `outputs` depend on.
  public static func neededNodes(_ graph: Graph, for outputs: [ValueID]) -> Set<Int> {
    var needed = Set<Int>()
    var stack = outputs.compactMap { graph[$0].producer }
    while let index = stack.popLast() {
      guard needed.insert(index).inserted else { continue }
      for input in graph.nodes[index].inputs {
        if let producer = graph[input].producer { stack.append(producer) }
      }
    }
    return needed
  }

  static func valueInfo(_ name: String, _ type: TensorType, batch: Int?) -> ONNXValueInfoProto {
    var info = ONNXValueInfoProto()
    info.name = name
    var tensor = ONNXTypeProto.Tensor()
    tensor.elemType = Int32(
      (type.dtype == .int32 ? ONNXTensorProto.DataType.int32 : .float).rawValue)
    tensor.shape.dim = type.shape.map { dimension in
      var dim = ONNXTensorShapeProto.Dimension()
      switch dimension {
      case .fixed(let n): dim.dimValue = Int64(n)
      case .batch:
        if let batch { dim.dimValue = Int64(batch) } else { dim.dimParam = "N" }
      }
      return dim
    }
    info.type.tensorType = tensor
    return info
  }
}
