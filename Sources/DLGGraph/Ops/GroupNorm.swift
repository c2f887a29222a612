/// Group normalization (Wu & He 2018): on `[N, ..., C]` (an image `[N, H, W, C]`), the
/// channels in `groups` consecutive groups, each sample's group normalized over all its
/// positions and channels, then `y = γ · x̂ + β` per channel. It uses no batch statistics, so
/// it works the same at any batch size and in training and evaluation. Inputs: (x, γ, β);
/// outputs: (y, each sample's and group's (μ, 1/σ), kept for the gradient).
public struct GroupNorm: Operator {
  public static let opType = "GroupNorm"
  public static let signature = OpSignature(
    inputs: ["x", "gamma", "beta"], outputs: ["y", "statistics"])
  public var groups: Int
  public var epsilon: Float

  public init(groups: Int, epsilon: Float = 1e-5) {
    self.groups = groups
    self.epsilon = epsilon
  }

  public var attributeSummary: String { "\(groups) groups, ε \(epsilon)" }
  public var fusionClass: FusionClass { .reduction }
  public var family: OpFamily { .normalization }

  public func validateAttributes() throws(GraphError) {
    try AttributeRules.expect(groups, in: 1...1 << 20, "groups", op: name)
    try AttributeRules.expect(epsilon, in: 1e-12...1, "epsilon", op: name)
  }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 3, op: name)
    let x = inputs[0]
    try ShapeRules.expectFloat(x, op: name, what: "input")
    guard x.rank >= 3, case .fixed(let channels) = x.shape.last else {
      throw GraphError(
        "GroupNorm normalizes images [N, height, width, channels] (or sequences), got \(x)",
        help: "on [N, features] use LayerNorm")
    }
    guard channels % groups == 0 else {
      throw GraphError(
        "\(groups) groups do not divide the \(channels) channels",
        help: "use a number of groups that divides \(channels)")
    }
    for parameter in inputs.dropFirst() where parameter != .fixed([channels]) {
      throw GraphError(
        "GroupNorm needs a scale and shift of \(channels) values", notes: ["got: \(parameter)"])
    }
    return [x, TensorType(.float32, [x.shape[0], .fixed(groups), .fixed(2)])]
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    guard let dy = outputGradients[0] else { return [nil, nil, nil] }
    let outputs = try builder.graph.apply(
      GroupNormGradient(groups: groups), [node.inputs[0], dy, node.inputs[1], node.outputs[1]],
      name: "\(builder.namePrefix)/dGroupNorm", location: builder.location)
    return [outputs[0], outputs[1], outputs[2]]
  }
}

/// The gradients of a group normalization. Inputs: (x, dy, γ, statistics); outputs:
/// (dx, dγ, dβ).
public struct GroupNormGradient: NonDifferentiable {
  public static let opType = "GroupNormGradient"
  public static let signature = OpSignature(
    inputs: ["x", "dy", "gamma", "statistics"], outputs: ["dx", "dgamma", "dbeta"])
  public var groups: Int

  public init(groups: Int) { self.groups = groups }

  public var fusionClass: FusionClass { .reduction }
  public var family: OpFamily { .normalization }

  public func validateAttributes() throws(GraphError) {
    try AttributeRules.expect(groups, in: 1...1 << 20, "groups", op: name)
  }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 4, op: name)
    try ShapeRules.expectSameShape(inputs[0], inputs[1], op: name)
    return [inputs[0], inputs[2], inputs[2]]
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(GroupNorm.self, GroupNormGradient.self)
}
