/// Softmax over the last axis: turns logits into class probabilities for prediction.
public struct Softmax: Operator {
  public static let opType = "Softmax"
  public static let signature = OpSignature(inputs: ["x"])
  public init() {}

  public var name: String { "Softmax" }
  public var fusionClass: FusionClass { .reduction }
  public var family: OpFamily { .activation }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 1, op: name)
    try ShapeRules.expectFloat(inputs[0], op: name, what: "input")
    guard inputs[0].rank >= 1 else { throw GraphError("Softmax needs at least one dimension") }
    return [inputs[0]]
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    guard let dy = outputGradients[0] else { return [nil] }
    return [try builder.add(SoftmaxGradient(), [node.outputs[0], dy], "dSoftmax")]
  }
}

/// The gradient through a softmax over the last axis, from its output:
/// `dx = y ⊙ (dy − Σ dy ⊙ y)` per row. Inputs: (y, dy).
public struct SoftmaxGradient: ActivationGradient {
  public static let opType = "SoftmaxGradient"
  public static let signature = OpSignature(inputs: ["y", "dy"])
  public init() {}

  public var fusionClass: FusionClass { .reduction }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(Softmax.self, SoftmaxGradient.self)
  ActivationRegistry.register(
    // The `Softmax[axis:]` layer is its own (LayerCatalog.softmax): it takes an axis.
    .op("softmax", summary: "probabilities over the last axis (e^x / Σ e^x)", Softmax()))
}
