/// Joins tensors along one axis (by default the last: channels for images, features for
/// vectors); every other dimension must match. A negative axis counts from the end; the batch
/// axis cannot be joined.
public struct Concat: Operator {
  public static let opType = "Concat"
  public static let signature = OpSignature(inputs: ["x..."])
  public var axis: Int

  public init(axis: Int = -1) { self.axis = axis }

  public var attributeSummary: String { axis == -1 ? "" : "axis \(axis)" }

  public func validateAttributes() throws(GraphError) {
    try AttributeRules.expect(axis, in: -8...7, "the axis", op: name)
  }
  public var fusionClass: FusionClass { .injective }
  public var family: OpFamily { .merge }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    guard inputs.count >= 2 else { throw GraphError("Concat joins at least two inputs") }
    let first = inputs[0]
    let a = try ShapeRules.axis(axis, of: first, op: name)
    var width = 0
    for input in inputs {
      var others = input.shape
      var firstOthers = first.shape
      guard input.rank == first.rank, input.dtype == .float32,
        case .fixed(let w) = input.shape[a]
      else { throw mismatch(inputs) }
      others.remove(at: a)
      firstOthers.remove(at: a)
      guard others == firstOthers else { throw mismatch(inputs) }
      width += w
    }
    var shape = first.shape
    shape[a] = .fixed(width)
    return [TensorType(.float32, shape)]
  }

  private func mismatch(_ inputs: [TensorType]) -> GraphError {
    GraphError(
      axis == -1
        ? "Concat needs inputs that differ only in their last dimension"
        : "Concat needs inputs that differ only along axis \(axis)",
      notes: inputs.map { "input: \($0)" })
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    guard let dy = outputGradients[0] else { return node.inputs.map { _ in nil } }
    var offset = 0
    var gradients: [ValueID?] = []
    for input in node.inputs {
      let width = try ShapeRules.extent(axis, of: builder.type(of: input), op: name)
      gradients.append(
        try builder.add(
          Slice(axis: axis, offset: offset, width: width), [dy], "dConcat\(gradients.count)"))
      offset += width
    }
    return gradients
  }
}

/// Positions `offset..<offset+width` along one axis (by default the last): the gradient of
/// one Concat input, and a slice of a tensor (queries, keys and values out of one product).
/// Its gradient puts `dy` back at its place, zeros elsewhere (`Pad`).
public struct Slice: Operator {
  public static let opType = "Slice"
  public static let signature = OpSignature(inputs: ["x"])
  public var axis: Int
  public var offset: Int
  public var width: Int

  public init(axis: Int = -1, offset: Int, width: Int) {
    self.axis = axis
    self.offset = offset
    self.width = width
  }

  public func validateAttributes() throws(GraphError) {
    try AttributeRules.expect(axis, in: -8...7, "the axis", op: name)
    try AttributeRules.expect(offset, in: 0...AttributeRules.maximumExtent, "the offset", op: name)
    try AttributeRules.expect(width, in: 1...AttributeRules.maximumExtent, "the width", op: name)
  }

  public var attributeSummary: String {
    (axis == -1 ? "" : "axis \(axis), ") + "\(offset)..<\(offset + width)"
  }
  public var fusionClass: FusionClass { .injective }
  public var family: OpFamily { .reshape }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 1, op: name)
    try validateAttributes()
    let x = inputs[0]
    let a = try ShapeRules.axis(axis, of: x, op: name)
    guard offset + width <= (try ShapeRules.extent(axis, of: x, op: name)) else {
      throw GraphError(
        "Slice \(offset)..<\(offset + width) does not fit axis \(axis) of \(x)")
    }
    var shape = x.shape
    shape[a] = .fixed(width)
    return [TensorType(x.dtype, shape)]
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    guard let dy = outputGradients[0] else { return [nil] }
    let extent = try ShapeRules.extent(axis, of: builder.type(of: node.inputs[0]), op: name)
    return [
      try builder.add(
        Pad(axis: axis, before: offset, after: extent - offset - width), [dy], "dSlice")
    ]
  }
}

/// Zeros before and after a tensor along one axis: `before` positions, the tensor, `after`
/// positions. The gradient of a slice; its own gradient is the slice it pads.
public struct Pad: Operator {
  public static let opType = "Pad"
  public static let signature = OpSignature(inputs: ["x"])
  public var axis: Int
  public var before: Int
  public var after: Int

  public init(axis: Int = -1, before: Int, after: Int) {
    self.axis = axis
    self.before = before
    self.after = after
  }

  public func validateAttributes() throws(GraphError) {
    try AttributeRules.expect(axis, in: -8...7, "the axis", op: name)
    try AttributeRules.expect(before, in: 0...AttributeRules.maximumExtent, "before", op: name)
    try AttributeRules.expect(after, in: 0...AttributeRules.maximumExtent, "after", op: name)
  }

  public var attributeSummary: String { "axis \(axis), \(before) before, \(after) after" }
  public var fusionClass: FusionClass { .injective }
  public var family: OpFamily { .reshape }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 1, op: name)
    try validateAttributes()
    let x = inputs[0]
    let (a, extent) = (
      try ShapeRules.axis(axis, of: x, op: name), try ShapeRules.extent(axis, of: x, op: name)
    )
    var shape = x.shape
    shape[a] = .fixed(before + extent + after)
    return [TensorType(x.dtype, shape)]
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    guard let dy = outputGradients[0] else { return [nil] }
    let extent = try ShapeRules.extent(axis, of: builder.type(of: node.inputs[0]), op: name)
    return [try builder.add(Slice(axis: axis, offset: before, width: extent), [dy], "dPad")]
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(Concat.self, Slice.self, Pad.self)
}
