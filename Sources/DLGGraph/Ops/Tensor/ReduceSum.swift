/// Sums along one axis, keeping it with size 1 (`[N, T, D] → [N, T, 1]` for `axis: -1`), so the
/// result lines up with its input again through `Broadcast`: the reductions of normalization
/// and attention. A negative axis counts from the end; the batch axis cannot be reduced.
public struct ReduceSum: Operator {
  public static let opType = "ReduceSum"
  public static let signature = OpSignature(inputs: ["x"])
  public var axis: Int

  public init(axis: Int) { self.axis = axis }

  public var attributeSummary: String { "axis \(axis)" }

  public func validateAttributes() throws(GraphError) {
    try AttributeRules.expect(axis, in: -8...7, "the axis", op: name)
  }
  public var fusionClass: FusionClass { .reduction }
  public var family: OpFamily { .other }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 1, op: name)
    let x = inputs[0]
    try ShapeRules.expectFloat(x, op: name, what: "input")
    let a = try ShapeRules.axis(axis, of: x, op: name)
    var shape = x.shape
    shape[a] = .fixed(1)
    return [TensorType(.float32, shape)]
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    guard let dy = outputGradients[0] else { return [nil] }
    let size = try ShapeRules.extent(axis, of: builder.type(of: node.inputs[0]), op: name)
    return [try builder.add(Broadcast(axis: axis, size: size), [dy], "dReduceSum")]
  }
}

/// Repeats a size-1 axis `size` times (`[N, T, 1] → [N, T, D]`): what lines a reduction up with
/// the tensor it came from. Its gradient sums the copies back (`ReduceSum`).
public struct Broadcast: Operator {
  public static let opType = "Broadcast"
  public static let signature = OpSignature(inputs: ["x"])
  public var axis: Int
  public var size: Int

  public init(axis: Int, size: Int) {
    self.axis = axis
    self.size = size
  }

  public var attributeSummary: String { "axis \(axis) to \(size)" }
  public var fusionClass: FusionClass { .injective }
  public var family: OpFamily { .other }

  public func validateAttributes() throws(GraphError) {
    try AttributeRules.expect(axis, in: -8...7, "the axis", op: name)
    try AttributeRules.expect(size, in: 1...AttributeRules.maximumExtent, "the size", op: name)
  }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 1, op: name)
    let x = inputs[0]
    try validateAttributes()
    let a = try ShapeRules.axis(axis, of: x, op: name)
    guard x.shape[a] == .fixed(1) else {
      throw GraphError(
        "Broadcast repeats an axis of size 1, but axis \(axis) of its input has size \(x.shape[a])",
        notes: ["input: \(x)"])
    }
    var shape = x.shape
    shape[a] = .fixed(size)
    return [TensorType(x.dtype, shape)]
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    guard let dy = outputGradients[0] else { return [nil] }
    return [try builder.add(ReduceSum(axis: axis), [dy], "dBroadcast")]
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(ReduceSum.self, Broadcast.self)
}
