import DLGGraph

/// `BatchNormalization` in inference (running statistics; channels are axis 1 in ONNX and the
/// last axis in dlg) and `LayerNormalization` over the last axis.
@used @section("dlg_registry")
private let registration: Registration = {
  ONNXImportRules.register(
    ONNXImportRule(["BatchNormalization"], limits: "inference (training_mode 0)") {
      node, context throws(ONNXError) in
      try node.expect("training_mode", toBe: 0, "training mode")
      guard node.outputs.dropFirst().allSatisfy(\.isEmpty) else {
        throw node.unsupported("the running-statistics outputs (training)")
      }
      let xName = try node.requiredInput(0)
      let rank = try context.shape(xName).count
      guard rank >= 2 else { throw node.unsupported("an input of rank \(rank)") }
      let layout = [0] + Array(2..<rank) + [1]
      let x = try context.tensor(xName, layout: layout)
      var inputs = [x]
      for index in 1...4 { inputs.append(try context.tensor(try node.requiredInput(index))) }
      let epsilon = try node.float("epsilon", default: 1e-5)
      try context.define(0, try context.add(BatchNorm(epsilon: epsilon), inputs), layout: layout)
    })
  ONNXImportRules.register(
    ONNXImportRule(["LayerNormalization"], limits: "the last axis only, no Mean/InvStdDev outputs")
    {
      node, context throws(ONNXError) in
      let xName = try node.requiredInput(0)
      let shape = try context.shape(xName)
      guard !shape.isEmpty else { throw node.unsupported("normalizing a scalar") }
      var axis = try node.int("axis", default: -1)
      if axis < 0 { axis += shape.count }
      guard axis == shape.count - 1 else { throw node.unsupported("normalizing from axis \(axis)") }
      guard node.outputs.dropFirst().allSatisfy(\.isEmpty) else {
        throw node.unsupported("the Mean and InvStdDev outputs")
      }
      guard case .fixed(let width) = shape[axis] else { throw node.unsupported("a batch axis") }
      try node.expect("stash_type", toBe: 1, "a stash type other than float")
      var layout = try context.layout(of: xName)
      if layout.last != axis { layout = Array(0..<shape.count) }
      let x = try context.tensor(xName, layout: layout)
      let gamma = try context.tensor(try node.requiredInput(1))
      let beta: ValueID
      if let name = node.input(2) {
        beta = try context.tensor(name)
      } else {
        beta = try context.parameter(
          named: "beta", dimensions: [width], floats: Array(repeating: 0, count: width))
      }
      guard context.graph[gamma].type.shape == [.fixed(width)],
        context.graph[beta].type.shape == [.fixed(width)]
      else { throw node.unsupported("a scale or bias that is not one vector over the last axis") }
      let epsilon = try node.float("epsilon", default: 1e-5)
      try context.define(
        0, try context.add(LayerNorm(epsilon: epsilon), [x, gamma, beta]), layout: layout)
    })
}
