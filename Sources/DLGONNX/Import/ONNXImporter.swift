import DLGGraph

/// A dlg graph made from an ONNX model: named inputs and outputs, and the data of the
/// parameters its initializers became. It is optimized and memory-planned like any other graph.
public struct ImportedModel: Sendable {
  /// A graph input or output: its ONNX name and its dlg value.
  public struct Port: Sendable {
    public var name: String
    public var value: ValueID
  }

  public var graph: Graph
  public var inputs: [Port]
  public var outputs: [Port]
  /// Each parameter's data, in the parameter's shape.
  public var weights: [ValueID: [Float]]
  /// The model's default-domain opset.
  public var opset: Int64
  /// Who wrote the file (`pytorch 2.13.0`).
  public var producer: String
}

/// Turns an ONNX model into a dlg graph, node by node through the import rules. Anything dlg
/// cannot run is an error naming the op, its node and the opset, never a crash.
public enum ONNXImporter {
  /// Imports `model`. Graph inputs named in `bindings` are taken as those constants: dlg's
  /// graphs are static, so an input that gives a shape or indices (as ONNX's node tests feed
  /// them) must be known while importing.
  public static func importModel(
    _ model: ONNXModelProto, bindings: [String: ONNXTensorData] = [:]
  ) throws(ONNXError) -> ImportedModel {
    guard let opset = ONNXFile.defaultOpset(of: model) else {
      let domains = model.opsetImport.map(\.domain).joined(separator: ", ")
      throw ONNXError.unsupported(
        "the model uses only the op sets \(domains); dlg runs the default ONNX ops (ai.onnx)")
    }
    let onnxGraph = model.graph
    var context = ImportContext(opset: opset)

    for (index, initializer) in onnxGraph.initializer.enumerated() {
      let data = try ONNXTensors.read(initializer, what: "initializer \(index + 1)")
      context.entries[initializer.name] = .constant(data)
    }
    for (name, data) in bindings { context.entries[name] = .constant(data) }
    var inputs: [ImportedModel.Port] = []
    for input in onnxGraph.input where context.entries[input.name] == nil {
      let type = try tensorType(of: input)
      let value = context.graph.addInput(input.name, type)
      context.entries[input.name] = .tensor(value, layout: Array(0..<type.rank))
      inputs.append(ImportedModel.Port(name: input.name, value: value))
    }
    guard !inputs.isEmpty || !bindings.isEmpty else {
      throw ONNXError.unsupported("the model has no inputs: dlg runs models that read data")
    }

    for node in try executionOrder(onnxGraph, defined: Set(context.entries.keys)) {
      let wrapped = ONNXNode(node, opset: opset)
      guard node.domain.isEmpty || node.domain == "ai.onnx" else {
        throw ONNXError.unsupported(
          "\(wrapped.label) is from the op set `\(node.domain)`; dlg runs the default ONNX ops")
      }
      guard let rule = ONNXImportRules.rule(for: node.opType) else {
        throw ONNXError.unsupported(
          "dlg does not support the ONNX op \(node.opType) (\(wrapped.label))",
          help: "docs/onnx.md lists the \(ONNXImportRules.supportedOpTypes.count) ops dlg imports")
      }
      context.node = wrapped
      try rule.importNode(wrapped, &context)
      for output in node.output where !output.isEmpty && context.entries[output] == nil {
        throw ONNXError.unsupported("\(wrapped.label): its output `\(output)` is not supported")
      }
    }
    context.node = nil

    var outputs: [ImportedModel.Port] = []
    for output in onnxGraph.output {
      let value = try context.tensor(output.name)
      outputs.append(ImportedModel.Port(name: output.name, value: value))
    }
    guard !outputs.isEmpty else { throw ONNXError("the model's graph has no outputs") }
    var graph = context.graph
    var weights = context.weights
    FlattenOrderFolding.run(&graph, weights: &weights)
    let producer = [model.producerName, model.producerVersion].filter { !$0.isEmpty }
      .joined(separator: " ")
    return ImportedModel(
      graph: graph, inputs: inputs, outputs: outputs, weights: weights,
      opset: opset, producer: producer)
  }

  /// dlg's type for a graph input: float32 or int32 elements, fixed dimensions but for a
  /// symbolic first one, which becomes the batch.
  static func tensorType(of input: ONNXValueInfoProto) throws(ONNXError) -> TensorType {
    guard case .tensorType(let tensor)? = input.type.value else {
      throw ONNXError.unsupported("input `\(input.name)` is not a tensor")
    }
    let dtype: DType
    switch ONNXTensorProto.DataType(rawValue: Int(tensor.elemType)) {
    // Booleans (masks, conditions) are 0 and 1 in a float tensor, as dlg's masks are.
    case .float, .double, .bool: dtype = .float32
    case .int64, .int32: dtype = .int32
    default:
      throw ONNXError.unsupported(
        "input `\(input.name)` holds \(ONNXTensors.typeName(tensor.elemType)) elements; "
          + "dlg computes in float32 and int32")
    }
    guard tensor.shape.dim.count <= ImportContext.maximumRank else {
      throw ONNXError.unsupported(
        "input `\(input.name)` has \(tensor.shape.dim.count) axes; dlg takes up to 8")
    }
    guard tensor.hasShape else {
      throw ONNXError.unsupported(
        "input `\(input.name)` has no shape; dlg needs the shape of every input")
    }
    var shape: [Dimension] = []
    for (axis, dim) in tensor.shape.dim.enumerated() {
      if case .dimValue(let extent)? = dim.value, extent <= 0 {
        throw ONNXError.unsupported(
          "input `\(input.name)` has an axis of size \(extent); dlg computes on non-empty tensors")
      }
      if case .dimValue(let extent)? = dim.value {
        guard extent <= Int64(ONNXTensors.maximumElements) else {
          throw ONNXError("input `\(input.name)` has an absurd dimension \(extent)")
        }
        shape.append(.fixed(Int(extent)))
      } else if axis == 0 {
        shape.append(.batch)
      } else {
        throw ONNXError.unsupported(
          "input `\(input.name)`: axis \(axis) has no fixed size; dlg allows only the first "
            + "(the batch) to vary",
          help: "export with fixed sizes for every axis but the batch")
      }
    }
    _ = try ONNXTensors.elementCount(
      shape.map { Int64($0.resolved(batch: 1)) }, what: "input `\(input.name)`")
    return TensorType(dtype, shape)
  }

  /// The nodes in an order where each runs after the producers of its inputs (ONNX requires
  /// files to be sorted, but says so only in prose); a cycle or an input nothing defines is an
  /// error.
  static func executionOrder(_ graph: ONNXGraphProto, defined: Set<String>) throws(ONNXError)
    -> [ONNXNodeProto]
  {
    var producers: [String: Int] = [:]
    for (index, node) in graph.node.enumerated() {
      for output in node.output where !output.isEmpty {
        guard producers[output] == nil, !defined.contains(output) else {
          throw ONNXError("the graph defines `\(output)` twice (node \(index + 1), \(node.opType))")
        }
        producers[output] = index
      }
    }
    for (index, node) in graph.node.enumerated() {
      for input in node.input
      where !input.isEmpty && producers[input] == nil
        && !defined.contains(input)
      {
        throw ONNXError(
          "node \(index + 1) (\(node.opType) \"\(node.name)\") reads `\(input)`, which no node, "
            + "initializer or graph input defines")
      }
    }
    // Kahn's algorithm: each node waits for the nodes producing its inputs.
    var waiting = [Int](repeating: 0, count: graph.node.count)
    var dependents: [[Int]] = Array(repeating: [], count: graph.node.count)
    for (index, node) in graph.node.enumerated() {
      for input in Set(node.input) where !input.isEmpty && !defined.contains(input) {
        guard let producer = producers[input] else { continue }
        waiting[index] += 1
        dependents[producer].append(index)
      }
    }
    var ready = graph.node.indices.filter { waiting[$0] == 0 }.reversed() as [Int]
    var order: [ONNXNodeProto] = []
    while let index = ready.popLast() {
      order.append(graph.node[index])
      for dependent in dependents[index] {
        waiting[dependent] -= 1
        if waiting[dependent] == 0 { ready.append(dependent) }
      }
    }
    if order.count < graph.node.count {
      let stuck = graph.node.indices.filter { waiting[$0] > 0 }.prefix(3)
      let names = stuck.map { "\(graph.node[$0].opType) \"\(graph.node[$0].name)\"" }
      throw ONNXError(
        "the graph has a cycle: \(names.joined(separator: ", ")) wait for each other's outputs")
    }
    return order
  }
}
