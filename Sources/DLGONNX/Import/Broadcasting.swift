import DLGGraph

/// NumPy-style broadcasting of ONNX's binary ops, onto dlg's ops of one shape: a vector along
/// the last axis becomes a `BiasAdd` (what a batch of any size allows), a lower-rank or size-1
/// operand a `Reshape` and `Broadcast`s, a constant is expanded while importing.
extension ImportContext {
  /// The broadcast shape of two ONNX shapes, or an error naming both.
  func broadcastShape(_ a: [Dimension], _ b: [Dimension]) throws(ONNXError) -> [Dimension] {
    let rank = max(a.count, b.count)
    let a = Array(repeating: Dimension.fixed(1), count: rank - a.count) + a
    let b = Array(repeating: Dimension.fixed(1), count: rank - b.count) + b
    return try zip(a, b).map { (x, y) throws(ONNXError) -> Dimension in
      if x == y || y == .fixed(1) { return x }
      if x == .fixed(1) { return y }
      throw ONNXError("\(node?.label ?? "a node"): shapes \(a) and \(b) do not broadcast")
    }
  }

  /// Both operands of a binary op as dlg values of the output's shape, in one layout (the
  /// first full-rank tensor operand's, so an NHWC activation stays NHWC).
  mutating func broadcastOperands(_ names: [String]) throws(ONNXError) -> (
    [ValueID], layout: [Int]
  ) {
    var shape: [Dimension] = []
    for name in names { shape = try broadcastShape(shape, try self.shape(name)) }
    var layout = Array(0..<shape.count)
    for name in names where !isConstant(name) {
      guard try self.shape(name).count == shape.count else { continue }
      layout = try self.layout(of: name)
      break
    }
    var values: [ValueID] = []
    for name in names {
      values.append(try operand(name, shape: shape, layout: layout))
    }
    return (values, layout)
  }

  /// One operand in `layout`, expanded to `shape` (ONNX order).
  mutating func operand(_ name: String, shape: [Dimension], layout: [Int]) throws(ONNXError)
    -> ValueID
  {
    let own = try self.shape(name)
    let padded = Array(repeating: Dimension.fixed(1), count: shape.count - own.count) + own
    let target = layout.map { shape[$0] }
    if isConstant(name) {
      let data = try constant(name, "operand")
      guard !shape.contains(.batch) else {
        throw ONNXError.unsupported(
          "\(node?.label ?? "a node"): a constant of shape \(data.dimensions) against a batch "
            + "of shape \(shape) is supported only as a vector along the last axis, added or "
            + "subtracted, or as a single number")
      }
      let dims = target.map { $0.resolved(batch: 1) }
      try checkSize(.fixed(dims), "\(name), broadcast")
      let expanded = Self.permuted(data.floats, from: padded.map { $0.resolved(batch: 1) }, layout)
      let tiled = Self.tile(expanded.values, from: expanded.dimensions, to: dims)
      return try parameter(named: "\(name)/broadcast", dimensions: dims, floats: tiled)
    }
    var value: ValueID
    if own.count == shape.count {
      value = try tensor(name, layout: layout)
    } else {
      value = try add(Reshape(padded), [try tensor(name)], "expand")
      if layout != Array(layout.indices) { value = try add(Transpose(layout), [value], "layout") }
    }
    let current = graph[value].type.shape
    for axis in current.indices where current[axis] != target[axis] {
      guard case .fixed(let size) = target[axis] else {
        throw ONNXError.unsupported(
          "\(node?.label ?? "a node"): `\(name)` would have to be repeated along the batch axis")
      }
      value = try add(Broadcast(axis: axis, size: size), [value], "broadcast")
    }
    return value
  }

  /// The vector `name` adds along the last dlg axis of an operand in `layout`, if that is all
  /// the constant does (a bias), with the output's last extent.
  func biasVector(_ name: String, shape: [Dimension], layout: [Int]) -> [Float]? {
    guard case .constant(let data) = entries[name], !shape.isEmpty,
      case .fixed(let width) = shape[layout[layout.count - 1]]
    else { return nil }
    if data.count == 1 { return Array(repeating: data.floats[0], count: width) }
    let own = data.dimensions
    let padded = Array(repeating: 1, count: max(shape.count - own.count, 0)) + own
    guard padded.count == shape.count else { return nil }
    let lastAxis = layout[layout.count - 1]
    for (axis, extent) in padded.enumerated() where axis != lastAxis && extent != 1 {
      return nil
    }
    return padded[lastAxis] == width ? data.floats : nil
  }

  /// Data reordered by `layout`: axis i of the result is axis `layout[i]` of `dims`.
  public static func permuted<Element>(_ values: [Element], from dims: [Int], _ layout: [Int])
    -> (values: [Element], dimensions: [Int])
  {
    let out = layout.map { dims[$0] }
    guard layout != Array(layout.indices) else { return (values, out) }
    let strides = rowMajorStrides(dims)
    return (gathered(values, shape: out, strides: layout.map { strides[$0] }), out)
  }

  /// Data of shape `from` repeated along its size-1 axes to `to` (same rank).
  static func tile(_ values: [Float], from: [Int], to: [Int]) -> [Float] {
    guard from != to else { return values }
    let strides = rowMajorStrides(from)
    return gathered(
      values, shape: to, strides: from.indices.map { from[$0] == 1 ? 0 : strides[$0] })
  }

  /// The element strides of a row-major tensor of `dims`.
  static func rowMajorStrides(_ dims: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: dims.count)
    for axis in stride(from: dims.count - 2, through: 0, by: -1) {
      strides[axis] = strides[axis + 1] * dims[axis + 1]
    }
    return strides
  }

  /// A tensor of `shape` whose element at `index` is `values[Σ index[i] · strides[i]]`: a
  /// permutation or a broadcast of `values`, by the strides given.
  static func gathered<Element>(_ values: [Element], shape: [Int], strides: [Int]) -> [Element] {
    let count = shape.reduce(1, *)
    guard count > 0, let first = values.first else { return [] }
    var result = [Element](repeating: first, count: count)
    var index = [Int](repeating: 0, count: shape.count)
    var source = 0
    for position in 0..<count {
      result[position] = values[source]
      // The next index, odometer-style, keeping `source` in step.
      var axis = shape.count - 1
      while axis >= 0 {
        index[axis] += 1
        source += strides[axis]
        if index[axis] < shape[axis] { break }
        source -= strides[axis] * shape[axis]
        index[axis] = 0
        axis -= 1
      }
    }
    return result
  }
}
