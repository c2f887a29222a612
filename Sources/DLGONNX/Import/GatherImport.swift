import DLGGraph

/// `Gather` along axis 0 of a constant table with integer ids (an embedding, as PyTorch's
/// `nn.Embedding` exports), or on constants while importing.
/// Known indices into a tensor: one slice per index, joined (`x[:, 2]`, `x[[0, 2]]`).
private func gatherSlices(
  _ node: ONNXNode, _ dataName: String, _ indicesName: String, axis given: Int,
  _ context: inout ImportContext
) throws(ONNXError) {
  let shape = try context.shape(dataName)
  let axis = given < 0 ? given + shape.count : given
  guard axis >= 0 && axis < shape.count, case .fixed(let extent) = shape[axis] else {
    throw node.unsupported("gathering along axis \(given) of \(shape)")
  }
  let indices = try context.constant(indicesName, "indices")
  guard indices.kind != .float, indices.dimensions.count <= 1, !indices.integers.isEmpty,
    indices.count <= 4096
  else {
    throw node.unsupported("indices of shape \(indices.dimensions)")
  }
  let x = try context.tensor(dataName)
  var slices: [ValueID] = []
  for index in indices.integers {
    let i = index < 0 ? Int(index) + extent : Int(index)
    guard i >= 0 && i < extent else {
      throw ONNXError("\(node.label): index \(index) is outside 0..<\(extent)")
    }
    slices.append(try context.add(Slice(axis: axis, offset: i, width: 1), [x], "slice"))
  }
  var y = slices.count == 1 ? slices[0] : try context.add(Concat(axis: axis), slices, "join")
  if indices.dimensions.isEmpty {
    var kept = shape
    kept.remove(at: axis)
    y = try context.add(Reshape(kept), [y], "squeeze")
  }
  try context.define(0, y)
}

@used @section("dlg_registry")
private let registration: Registration = {
  ONNXImportRules.register(
    ONNXImportRule(["Gather"], limits: "a constant 2-D table along axis 0, or constants") {
      node, context throws(ONNXError) in
      let (dataName, indicesName) = (try node.requiredInput(0), try node.requiredInput(1))
      let axis = try node.int("axis", default: 0)
      if context.isConstant(dataName) && context.isConstant(indicesName) {
        let data = try context.constant(dataName, "data")
        let indices = try context.constant(indicesName, "indices")
        guard data.dimensions.count == 1, axis == 0 else {
          throw node.unsupported("gathering constants of rank \(data.dimensions.count)")
        }
        guard indices.kind != .float else { throw ONNXError("\(node.label): float indices") }
        var picked: [Int] = []
        for index in indices.integers {
          let i = index < 0 ? Int(index) + data.count : Int(index)
          guard i >= 0 && i < data.count else {
            throw ONNXError("\(node.label): index \(index) is outside 0..<\(data.count)")
          }
          picked.append(i)
        }
        guard data.kind == .float else {
          return try context.defineConstant(
            0,
            ONNXTensorData(
              dimensions: indices.dimensions, integers: picked.map { data.integers[$0] }))
        }
        return try context.defineConstant(
          0, ONNXTensorData(dimensions: indices.dimensions, floats: picked.map { data.floats[$0] }))
      }
      if context.isConstant(indicesName), !context.isConstant(dataName) {
        return try gatherSlices(node, dataName, indicesName, axis: axis, &context)
      }
      guard axis == 0, context.isConstant(dataName),
        try context.shape(dataName).count == 2
      else {
        throw node.unsupported(
          "gathering with computed indices from a tensor, or along axis \(axis)")
      }
      let table = try context.tensor(dataName)
      let ids = try context.tensor(indicesName)
      guard context.graph[ids].type.dtype == .int32 else {
        throw node.unsupported("float indices")
      }
      try context.define(0, try context.add(EmbeddingLookup(), [ids, table]))
    })
}
