import DLGGraph

/// `Concat`: tensors joined along an axis in the first tensor's axis order (so channels
/// concatenated between convolutions stay NHWC); constants (shapes) joined while importing.
@used @section("dlg_registry")
private let registration: Registration = {
  ONNXImportRules.register(
    ONNXImportRule(["Concat"]) { node, context throws(ONNXError) in
      let names = node.inputs.filter { !$0.isEmpty }
      guard let first = names.first else { throw ONNXError("\(node.label) has no inputs") }
      let rank = try context.shape(first).count
      var axis = try node.int("axis", default: 0)
      if axis < 0 { axis += rank }
      guard axis >= 0 && axis < rank else {
        throw ONNXError("\(node.label): axis \(axis) is outside rank \(rank)")
      }
      if names.allSatisfy(context.isConstant) {
        let parts = try names.map { (name: String) throws(ONNXError) in
          try context.constant(name, "input")
        }
        guard axis == 0 else { throw node.unsupported("joining constants along axis \(axis)") }
        guard
          parts.allSatisfy({
            $0.dimensions.count == rank
              && $0.dimensions.dropFirst() == parts[0].dimensions.dropFirst()
          })
        else {
          throw ONNXError(
            "\(node.label): constants of shapes \(parts.map(\.dimensions)) do not join along axis 0"
          )
        }
        var dims = parts[0].dimensions
        dims[0] = parts.reduce(0) { $0 + $1.dimensions[0] }
        if parts.allSatisfy({ $0.kind != .float }) {
          return try context.defineConstant(
            0, ONNXTensorData(dimensions: dims, integers: parts.flatMap(\.integers)))
        }
        return try context.defineConstant(
          0, ONNXTensorData(dimensions: dims, floats: parts.flatMap(\.floats)))
      }
      let tensorName = names.first { !context.isConstant($0) }!
      let layout = try context.layout(of: tensorName)
      let values = try names.map { (name: String) throws(ONNXError) in
        try context.tensor(name, layout: layout)
      }
      let dlgAxis = layout.firstIndex(of: axis)!
      try context.define(0, try context.add(Concat(axis: dlgAxis), values), layout: layout)
    })
}
