/// Pooling over the real steps of a padded sequence: `x [N, T, D]` and its mask `[N, T]` to
/// `[N, D]`, the mean (or with `max`, the maximum) of each channel over the steps whose mask
/// is not 0. A sample with no real step gives zeros.
public struct MaskedSequencePool: Operator {
  public static let opType = "MaskedSequencePool"
  public static let signature = OpSignature(inputs: ["x", "mask"])
  public var max: Bool

  public init(max: Bool) { self.max = max }

  public var name: String { max ? "MaskedMaxPool" : "MaskedAvgPool" }
  public var fusionClass: FusionClass { .reduction }
  public var family: OpFamily { .pooling }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try MaskedSequencePool.check(inputs, op: name)
    return [TensorType(.float32, [inputs[0].shape[0], inputs[0].shape[2]])]
  }

  static func check(_ inputs: [TensorType], op: String) throws(GraphError) {
    try ShapeRules.expectInputCount(inputs, 2, op: op)
    let (x, mask) = (inputs[0], inputs[1])
    guard x.rank == 3, x.dtype == .float32, mask == TensorType(.float32, Array(x.shape.prefix(2)))
    else {
      throw GraphError(
        "masked pooling reads a sequence [N, length, features] and its mask [N, length]",
        notes: ["x: \(x)", "mask: \(mask)"])
    }
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    guard let dy = outputGradients[0] else { return [nil, nil] }
    let dx = try builder.add(
      MaskedSequencePoolGradient(max: max), [node.inputs[0], node.inputs[1], dy], "d\(name)")
    return [dx, nil]
  }
}

/// The gradient of a masked pooling: `dy` spread over the real steps (divided by their count)
/// or, for the maximum, sent to the step that held it. Inputs: (x, mask, dy).
public struct MaskedSequencePoolGradient: NonDifferentiable {
  public static let opType = "MaskedSequencePoolGradient"
  public static let signature = OpSignature(inputs: ["x", "mask", "dy"])
  public var max: Bool

  public init(max: Bool) { self.max = max }

  public var fusionClass: FusionClass { .reduction }
  public var family: OpFamily { .pooling }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 3, op: name)
    try MaskedSequencePool.check(Array(inputs[0..<2]), op: name)
    return [inputs[0]]
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(MaskedSequencePool.self, MaskedSequencePoolGradient.self)
}
