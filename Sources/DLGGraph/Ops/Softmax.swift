/// Softmax over the last axis: turns logits into class probabilities for prediction.
public struct Softmax: Operator {
  public static let opType = "Softmax"
  public static let signature = OpSignature(inputs: ["x"])
  public init() {}

  public var name: String { "Softmax" }
  public var fusionClass: FusionClass { .reduction }
  public var family: OpFamily { .activation }

  public func outputTypes(for inputs: [TensorType]) throws(ShapeError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 1, op: name)
    try ShapeRules.expectFloat(inputs[0], op: name, what: "input")
    guard inputs[0].rank >= 1 else { throw ShapeError("Softmax needs at least one dimension") }
    return [inputs[0]]
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(ShapeError) -> [ValueID?]
  {
    guard outputGradients[0] != nil else { return [nil] }
    throw ShapeError(
      "training through a Softmax layer is not supported yet",
      help: "end the network with logits (Dense without activation) and use "
        + "softmax_cross_entropy(logits, labels) as the loss")
  }

}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(Softmax.self)
  ActivationRegistry.register(
    .op(
      "softmax", layer: "Softmax", summary: "probabilities over the last axis (e^x / Σ e^x)",
      Softmax()))
}
