/// Inverted dropout: while training, each element is zeroed with probability `rate` and the
/// rest scaled by 1/(1−rate); in evaluation it passes values through. Outputs: (y, mask); the
/// gradient multiplies by the same mask.
public struct Dropout: Operator {
  public static let opType = "Dropout"
  public static let signature = OpSignature(inputs: ["x"], outputs: ["y", "mask"])

  public func validateAttributes() throws(GraphError) {
    try AttributeRules.expect(rate, in: 0...0.999_999, "the rate", op: name)
  }
  public var rate: Float
  /// Distinguishes the masks of different dropout layers in the same step.
  public var salt: UInt64

  public init(rate: Float, salt: UInt64) {
    self.rate = rate
    self.salt = salt
  }

  public var name: String { "Dropout" }
  public var attributeSummary: String { "rate \(rate)" }
  public var fusionClass: FusionClass { .elementwise }
  public var family: OpFamily { .other }
  /// Masks are drawn afresh each training step; evaluation passes values through.
  public var effects: [Effect] { [.random, .dependsOnMode] }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 1, op: name)
    try ShapeRules.expectFloat(inputs[0], op: name, what: "input")
    return [inputs[0], inputs[0]]
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    guard let dy = outputGradients[0] else { return [nil] }
    return [try builder.add(Multiply(), [dy, node.outputs[1]], "dDropout")]
  }

}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(Dropout.self)
}
