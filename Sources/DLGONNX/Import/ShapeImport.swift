import DLGGraph

/// Ops that only reshape or reorder (`Reshape`, `Flatten`, `Squeeze`, `Unsqueeze`,
/// `Transpose`) and ops that make data known while importing (`Constant`, `Shape`). On
/// constants they are done while importing, so the weight reshapes exporters emit cost nothing.
extension ImportContext {
  /// The dimensions of ONNX's `Reshape` target (0 copies, -1 is inferred) for `input`.
  func reshapeTarget(_ target: [Int64], of input: [Dimension], allowZero: Bool)
    throws(ONNXError) -> [Dimension]
  {
    let label = node?.label ?? "Reshape"
    func multiply(_ a: Int, _ b: Int) throws(ONNXError) -> Int {
      let (product, overflow) = a.multipliedReportingOverflow(by: b)
      guard !overflow, product <= ONNXTensors.maximumElements else {
        throw ONNXError("\(label): the shape \(target) is too large for any model")
      }
      return product
    }
    guard target.count <= ImportContext.maximumRank else {
      throw ONNXError.unsupported("\(label): a shape of \(target.count) axes; dlg takes up to 8")
    }
    let known = input.reduce(1) { $0 * $1.resolved(batch: 1) }
    var result: [Dimension?] = []
    var product = 1
    var inferred: Int?
    for (axis, value) in target.enumerated() {
      switch value {
      case 0 where !allowZero:
        guard axis < input.count else {
          throw ONNXError("\(label): 0 at axis \(axis) copies nothing")
        }
        result.append(input[axis])
        product = try multiply(product, input[axis].resolved(batch: 1))
      case -1:
        guard inferred == nil else { throw ONNXError("\(label): two -1 in the shape \(target)") }
        inferred = axis
        result.append(nil)
      case 0..<Int64(ONNXTensors.maximumElements):
        result.append(.fixed(Int(value)))
        product = try multiply(product, Int(value))
      default:
        throw ONNXError("\(label): \(value) in the shape \(target) is not a size")
      }
    }
    let batched = input.contains(.batch)
    let copiesBatch = result.contains { $0 == .batch }
    if let inferred {
      guard product > 0, known % product == 0 else {
        throw ONNXError("\(label): \(input) cannot be reshaped to \(target)")
      }
      let rest = known / product
      if batched && !copiesBatch {
        guard rest == 1 else {
          throw ONNXError.unsupported(
            "\(label): the batch would merge with other axes (\(input) to \(target))")
        }
        result[inferred] = .batch
      } else {
        result[inferred] = .fixed(rest)
      }
    } else {
      guard product == known, !batched || copiesBatch else {
        throw ONNXError("\(label): \(input) cannot be reshaped to \(target)")
      }
    }
    return result.map { $0! }
  }

  /// Reshapes tensor or constant `name` to `shape` as the current node's output.
  mutating func defineReshaped(_ name: String, to shape: [Dimension]) throws(ONNXError) {
    if isConstant(name) {
      var data = try constant(name, "input")
      data.dimensions = shape.map { $0.resolved(batch: 1) }
      return try defineConstant(0, data)
    }
    let x = try tensor(name)
    try define(0, try add(Reshape(shape), [x]))
  }

  /// Axes listed by an attribute (before opset 13) or by input 1 (from 13), made positive.
  func axesOperand(_ node: ONNXNode, rank: Int, inputFrom opset: Int64) throws(ONNXError) -> [Int]?
  {
    let raw: [Int]?
    if node.opset >= opset, let name = node.input(1) {
      raw = try integers(name, "axes").map { Int(clamping: $0) }
    } else {
      raw = try node.ints("axes")
    }
    guard let raw else { return nil }
    guard raw.count <= ImportContext.maximumRank else {
      throw ONNXError("\(node.label): \(raw.count) axes is more than a tensor dlg runs has")
    }
    let axes = try raw.map { (axis: Int) throws(ONNXError) -> Int in
      guard axis >= -rank && axis < rank else {
        throw ONNXError("\(node.label): axis \(axis) is outside rank \(rank)")
      }
      return axis < 0 ? axis + rank : axis
    }
    guard Set(axes).count == axes.count else {
      throw ONNXError("\(node.label): the axes \(raw) name one axis twice")
    }
    return axes
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  ONNXImportRules.register(
    ONNXImportRule(["Reshape"]) { node, context throws(ONNXError) in
      let x = try node.requiredInput(0)
      let target = try context.integers(try node.requiredInput(1), "the shape")
      let shape = try context.reshapeTarget(
        target, of: try context.shape(x), allowZero: try node.int("allowzero", default: 0) != 0)
      try context.defineReshaped(x, to: shape)
    })
  ONNXImportRules.register(
    ONNXImportRule(["Flatten"]) { node, context throws(ONNXError) in
      let x = try node.requiredInput(0)
      let shape = try context.shape(x)
      var axis = try node.int("axis", default: 1)
      if axis < 0 { axis += shape.count }
      guard axis >= 0 && axis <= shape.count else {
        throw ONNXError("\(node.label): axis \(axis) is outside rank \(shape.count)")
      }
      let outer = shape[..<axis]
      let inner = shape[axis...].reduce(1) { $0 * $1.resolved(batch: 1) }
      let head: Dimension
      if outer.contains(.batch) {
        guard outer.count == 1 else {
          throw node.unsupported("merging the batch with other axes (\(shape), axis \(axis))")
        }
        head = .batch
      } else {
        head = .fixed(outer.reduce(1) { $0 * $1.resolved(batch: 1) })
      }
      guard !shape[axis...].contains(.batch) else {
        throw node.unsupported("merging the batch with other axes (\(shape), axis \(axis))")
      }
      try context.defineReshaped(x, to: [head, .fixed(inner)])
    })
  ONNXImportRules.register(
    ONNXImportRule(["Squeeze"]) { node, context throws(ONNXError) in
      let x = try node.requiredInput(0)
      let shape = try context.shape(x)
      let axes =
        try context.axesOperand(node, rank: shape.count, inputFrom: 13)
        ?? shape.indices.filter { shape[$0] == .fixed(1) }
      for axis in axes where shape[axis] != .fixed(1) {
        throw ONNXError("\(node.label): axis \(axis) has size \(shape[axis]), not 1")
      }
      guard !context.isConstant(x) else {
        return try context.defineReshaped(
          x, to: shape.indices.filter { !axes.contains($0) }.map { shape[$0] })
      }
      // The size-1 axes are dropped wherever the tensor's layout put them: no transpose.
      let (value, layout) = try context.tensorAnyLayout(x)
      let dlgShape = context.graph[value].type.shape
      let keep = layout.indices.filter { !axes.contains(layout[$0]) }
      let newLayout = keep.map { i in layout[i] - axes.filter { $0 < layout[i] }.count }
      let y = try context.add(Reshape(keep.map { dlgShape[$0] }), [value])
      try context.define(0, y, layout: newLayout)
    })
  ONNXImportRules.register(
    ONNXImportRule(["Unsqueeze"]) { node, context throws(ONNXError) in
      let x = try node.requiredInput(0)
      var shape = try context.shape(x)
      let rank = shape.count + (try context.axesOperand(node, rank: 64, inputFrom: 13)?.count ?? 0)
      guard let axes = try context.axesOperand(node, rank: rank, inputFrom: 13) else {
        throw ONNXError("\(node.label) needs `axes`")
      }
      for axis in axes.sorted() {
        guard axis <= shape.count else {
          throw ONNXError("\(node.label): axis \(axis) is outside rank \(rank)")
        }
        shape.insert(.fixed(1), at: axis)
      }
      try context.defineReshaped(x, to: shape)
    })
  ONNXImportRules.register(
    ONNXImportRule(["Transpose"]) { node, context throws(ONNXError) in
      let x = try node.requiredInput(0)
      let rank = try context.shape(x).count
      let perm = try node.ints("perm") ?? Array((0..<rank).reversed())
      guard perm.sorted() == Array(0..<rank) else {
        throw ONNXError("\(node.label): perm \(perm) is not a permutation of \(rank) axes")
      }
      if context.isConstant(x) {
        let data = try context.constant(x, "input")
        guard data.kind == .float else {
          let moved = ImportContext.permuted(data.integers, from: data.dimensions, perm)
          return try context.defineConstant(
            0, ONNXTensorData(dimensions: moved.dimensions, integers: moved.values, kind: data.kind)
          )
        }
        let moved = ImportContext.permuted(data.floats, from: data.dimensions, perm)
        return try context.defineConstant(
          0, ONNXTensorData(dimensions: moved.dimensions, floats: moved.values))
      }
      // No data moves: the same value, read in another order. Output axis j is input axis
      // perm[j], so dlg axis i, input axis layout[i], is output axis inverse[layout[i]].
      let (value, layout) = try context.tensorAnyLayout(x)
      let inverse = Transpose(perm).inverse.permutation
      try context.define(0, value, layout: layout.map { inverse[$0] })
    })
  ONNXImportRules.register(
    ONNXImportRule(["Constant"], limits: "tensor, float(s) and int(s) values") {
      node, context throws(ONNXError) in
      guard let attribute = node.proto.attribute.first else {
        throw ONNXError("\(node.label) has no value")
      }
      switch attribute.name {
      case "value":
        try context.defineConstant(0, try ONNXTensors.read(attribute.t, what: node.label))
      case "value_float":
        try context.defineConstant(0, ONNXTensorData(dimensions: [], floats: [attribute.f]))
      case "value_floats":
        try context.defineConstant(
          0, ONNXTensorData(dimensions: [attribute.floats.count], floats: attribute.floats))
      case "value_int":
        try context.defineConstant(0, ONNXTensorData(dimensions: [], integers: [attribute.i]))
      case "value_ints":
        try context.defineConstant(
          0, ONNXTensorData(dimensions: [attribute.ints.count], integers: attribute.ints))
      default: throw node.unsupported("a `\(attribute.name)` value")
      }
    })
  ONNXImportRules.register(
    ONNXImportRule(["Shape"], limits: "fixed shapes (not of the batch)") {
      node, context throws(ONNXError) in
      let shape = try context.shape(try node.requiredInput(0))
      guard !shape.contains(.batch) else {
        throw node.unsupported(
          "the shape of a batch of any size",
          help: "export with a fixed batch (--batch) or use Flatten")
      }
      var values = shape.map { Int64($0.resolved(batch: 1)) }
      let rank = values.count
      var start = try node.int("start", default: 0)
      var end = try node.int("end", default: rank)
      if start < 0 { start += rank }
      if end < 0 { end += rank }
      values = Array(
        values[min(max(start, 0), rank)..<max(min(end, rank), min(max(start, 0), rank))])
      try context.defineConstant(0, ONNXTensorData(dimensions: [values.count], integers: values))
    })
}
