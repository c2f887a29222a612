/// Normalizes each position over its last axis, `y = γ · (x − μ) / σ + β` (layer
/// normalization, Ba et al. 2016), or without centring and shift `y = γ · x / rms(x)` (RMS
/// normalization, Zhang & Sennrich 2019). Unlike batch normalization it uses no batch
/// statistics, so training and evaluation compute the same. Inputs: (x, γ) for RMS, (x, γ, β)
/// otherwise; outputs: (y, each position's (μ, 1/σ), kept for the gradient).
public struct LayerNorm: Operator {
  public static let opType = "LayerNorm"
  public static let signature = OpSignature(
    inputs: ["x", "gamma", "beta"], outputs: ["y", "statistics"])
  public var epsilon: Float
  /// False for RMS normalization: no mean is subtracted and there is no shift.
  public var centered: Bool

  public init(epsilon: Float = 1e-5, centered: Bool = true) {
    self.epsilon = epsilon
    self.centered = centered
  }

  public var name: String { centered ? "LayerNorm" : "RMSNorm" }
  public var attributeSummary: String { "ε \(epsilon)" }
  public var fusionClass: FusionClass { .reduction }
  public var family: OpFamily { .normalization }

  public func validateAttributes() throws(GraphError) {
    try AttributeRules.expect(epsilon, in: 1e-12...1, "epsilon", op: name)
  }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, centered ? 3 : 2, op: name)
    let x = inputs[0]
    try ShapeRules.expectFloat(x, op: name, what: "input")
    guard x.rank >= 2, case .fixed(let width) = x.shape.last else {
      throw GraphError(
        "\(name) normalizes the last axis of a batch, got \(x)",
        help: "use it on [N, features] or [N, length, features]")
    }
    for parameter in inputs.dropFirst() where parameter != .fixed([width]) {
      throw GraphError(
        "\(name) needs a scale and shift of \(width) values", notes: ["got: \(parameter)"])
    }
    return [x, TensorType(.float32, Array(x.shape.dropLast()) + [.fixed(2)])]
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    guard let dy = outputGradients[0] else { return node.inputs.map { _ in nil } }
    let outputs = try builder.graph.apply(
      LayerNormGradient(centered: centered),
      [node.inputs[0], dy, node.inputs[1], node.outputs[1]], name: "\(builder.namePrefix)/d\(name)",
      location: builder.location)
    return centered ? [outputs[0], outputs[1], outputs[2]] : [outputs[0], outputs[1]]
  }
}

/// The gradients of a layer or RMS normalization. Inputs: (x, dy, γ, statistics); outputs:
/// (dx, dγ, dβ), without dβ for RMS normalization.
public struct LayerNormGradient: NonDifferentiable {
  public static let opType = "LayerNormGradient"
  public static let signature = OpSignature(
    inputs: ["x", "dy", "gamma", "statistics"], outputs: ["dx", "dgamma", "dbeta"])
  public var centered: Bool

  public init(centered: Bool) { self.centered = centered }

  public var fusionClass: FusionClass { .reduction }
  public var family: OpFamily { .normalization }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 4, op: name)
    try ShapeRules.expectSameShape(inputs[0], inputs[1], op: name)
    return centered ? [inputs[0], inputs[2], inputs[2]] : [inputs[0], inputs[2]]
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(LayerNorm.self, LayerNormGradient.self)
}
