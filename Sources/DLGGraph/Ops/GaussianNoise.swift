/// Additive Gaussian noise: while training, y = x + deviation · n with n drawn afresh each
/// step from N(0, 1); in evaluation it passes values through (Keras's `GaussianNoise`). The
/// corruption of a denoising autoencoder, or a regularizer. The gradient passes unchanged.
public struct GaussianNoise: Operator {
  public static let opType = "GaussianNoise"
  public static let signature = OpSignature(inputs: ["x"], outputs: ["y"])

  public func validateAttributes() throws(GraphError) {
    try AttributeRules.expect(deviation, in: 0...1e6, "the deviation", op: name)
  }
  public var deviation: Float
  /// Distinguishes the noise of different layers in the same step.
  public var salt: UInt64

  public init(deviation: Float, salt: UInt64) {
    self.deviation = deviation
    self.salt = salt
  }

  public var name: String { "GaussianNoise" }
  public var attributeSummary: String { "deviation \(deviation)" }
  public var fusionClass: FusionClass { .opaque }
  public var family: OpFamily { .other }
  /// Noise is drawn afresh each training step; evaluation passes values through.
  public var effects: [Effect] { [.random, .dependsOnMode] }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 1, op: name)
    try ShapeRules.expectFloat(inputs[0], op: name, what: "input")
    return [inputs[0]]
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    [outputGradients[0]]
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(GaussianNoise.self)
}
