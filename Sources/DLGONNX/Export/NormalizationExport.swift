import DLGGraph

extension ExportContext {
  /// A per-channel vector (along dlg's last axis) shaped to broadcast against a tensor in
  /// `layout`: `[C]` when the channels are last in ONNX too, `[C, 1, 1]` for NCHW.
  mutating func channelVector(_ name: String, layout: [Int]) -> String {
    let rank = layout.count
    let channelAxis = layout.firstIndex(of: rank - 1)!
    guard channelAxis != rank - 1 else { return name }
    let shape = (0..<rank - channelAxis).map { $0 == 0 ? -1 : 1 }
    return addNode("Reshape", [name, constant("channel_shape", ints: shape)])[0]
  }

  /// A layout of `value` whose last ONNX axis is dlg's last (what a row operation needs).
  mutating func lastAxisKept(_ value: ValueID) throws(ONNXError) -> (String, layout: [Int]) {
    let (x, layout) = try anyLayout(value)
    if layout.last == layout.count - 1 { return (x, layout) }
    return (try name(value), identity(value))
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  // Inference: the running statistics. ONNX normalizes axis 1, dlg the last.
  ONNXExportRules.register(
    ONNXExportRule(["BatchNorm"]) { node, context throws(ONNXError) in
      let op = node.op as! BatchNorm
      let rank = context.graph[node.inputs[0]].type.rank
      let layout = [0, rank - 1] + Array(1..<(rank - 1))
      let x = try context.name(node.inputs[0], layout: layout)
      var inputs = [x]
      for index in 1...4 { inputs.append(try context.name(node.inputs[index])) }
      let y = context.addNode(
        "BatchNormalization", inputs, floats: ["epsilon": op.epsilon])[0]
      context.define(node.outputs[0], y, layout: layout)
    })
  // Fixed statistics, (x − mean) / √(var + ε): a BatchNormalization with γ = 1 and β = 0,
  // which is what it is (and what imports back).
  ONNXExportRules.register(
    ONNXExportRule(["Standardize"]) { node, context throws(ONNXError) in
      let op = node.op as! Standardize
      guard let mean = context.weightData(node.inputs[1]),
        context.weightData(node.inputs[2]) != nil
      else { throw context.unsupported("statistics computed in the graph") }
      let rank = context.graph[node.inputs[0]].type.rank
      let layout = [0, rank - 1] + Array(1..<(rank - 1))
      let x = try context.name(node.inputs[0], layout: layout)
      let channels = mean.count
      let ones = context.constant("ones", floats: Array(repeating: 1, count: channels))
      let zeros = context.constant("zeros", floats: Array(repeating: 0, count: channels))
      let center = op.centered ? try context.name(node.inputs[1]) : zeros
      let y = context.addNode(
        "BatchNormalization", [x, ones, zeros, center, try context.name(node.inputs[2])],
        floats: ["epsilon": op.epsilon])[0]
      context.define(node.outputs[0], y, layout: layout)
    })
  ONNXExportRules.register(
    ONNXExportRule(["LayerNorm"]) { node, context throws(ONNXError) in
      let op = node.op as! LayerNorm
      let (x, layout) = try context.lastAxisKept(node.inputs[0])
      let gamma = try context.name(node.inputs[1])
      let y: String
      if op.centered {
        let beta = try context.name(node.inputs[2])
        y =
          context.addNode(
            "LayerNormalization", [x, gamma, beta], int: ["axis": -1],
            floats: ["epsilon": op.epsilon])[0]
      } else {
        // RMS normalization: x · γ / √(mean(x²) + ε).
        let square = context.addNode("Mul", [x, x])[0]
        let mean =
          context.opset >= 18
          ? context.addNode(
            "ReduceMean", [square, context.constant("axes", ints: [-1])], int: ["keepdims": 1])[0]
          : context.addNode("ReduceMean", [square], ints: ["axes": [-1]], int: ["keepdims": 1])[0]
        let epsilon = context.constant("epsilon", floats: [op.epsilon], dimensions: [])
        let root = context.addNode("Sqrt", [context.addNode("Add", [mean, epsilon])[0]])[0]
        y = context.addNode("Mul", [context.addNode("Div", [x, root])[0], gamma])[0]
      }
      context.define(node.outputs[0], y, layout: layout)
    })
  ONNXExportRules.register(
    ONNXExportRule(["Softmax"]) { node, context throws(ONNXError) in
      let (x, layout) = try context.anyLayout(node.inputs[0])
      let axis = layout.firstIndex(of: layout.count - 1)!
      context.define(
        node.outputs[0], context.addNode("Softmax", [x], int: ["axis": axis])[0], layout: layout)
    })
}
