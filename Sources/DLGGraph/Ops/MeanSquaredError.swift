/// Mean squared error between predictions and targets of the same shape: a scalar.
public struct MeanSquaredError: LossOp {
  public static let opType = "MeanSquaredError"
  public static let signature = OpSignature(inputs: ["predictions", "targets"])
  public init() {}

  public var name: String { "MeanSquaredError" }
  public var fusionClass: FusionClass { .reduction }
  public var family: OpFamily { .loss }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 2, op: name)
    try ShapeRules.expectFloat(inputs[0], op: name, what: "predictions")
    guard inputs[0].shape == inputs[1].shape, inputs[1].dtype == .float32 else {
      throw GraphError(
        "mse needs targets of the predictions' shape",
        notes: ["predictions: \(inputs[0])", "targets:     \(inputs[1])"])
    }
    return [.scalar]
  }

  /// Regression: no classes.
  public func classCount(predictions: TensorType) -> Int? { nil }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    guard let dLoss = outputGradients[0] else { return [nil, nil] }
    let gradient = try builder.add(
      MeanSquaredErrorGradient(), [node.inputs[0], node.inputs[1], dLoss], "dPrediction")
    return [gradient, nil]
  }

}

/// `2 (p − t) / count · dLoss`. Inputs: (predictions, targets, dLoss).
public struct MeanSquaredErrorGradient: NonDifferentiable {
  public static let opType = "MeanSquaredErrorGradient"
  public static let signature = OpSignature(inputs: ["predictions", "targets", "dLoss"])
  public init() {}

  public var name: String { "MeanSquaredErrorGradient" }
  public var fusionClass: FusionClass { .elementwise }
  public var family: OpFamily { .loss }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 3, op: name)
    return [inputs[0]]
  }

}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(MeanSquaredError.self, MeanSquaredErrorGradient.self)
  LossRegistry.register(
    LossFunction(
      name: "mse", target: .targets,
      summary: "regression: the mean squared error against float targets of the same shape"
    ) { prediction, given, _, graph, location throws(GraphError) in
      let targets = given ?? graph.addInput("targets", graph[prediction].type)
      let loss = try graph.applySingleOutput(
        MeanSquaredError(), [prediction, targets], name: "loss", location: location)
      return LossNodes(target: targets, loss: loss)
    })
}
