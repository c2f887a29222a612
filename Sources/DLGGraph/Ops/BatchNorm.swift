/// Batch normalization (Ioffe & Szegedy, 2015) over the last axis. While training it
/// normalizes with the batch's own mean and variance and moves the running statistics towards
/// them; in evaluation it uses the running statistics. Inputs: (x, γ, β, running mean, running
/// variance); outputs: (y, the mean used, 1/sqrt(variance + ε) used), the last two kept for the
/// gradient.
///
/// `momentum` follows PyTorch: running = (1 − momentum) · running + momentum · batch, with the
/// batch variance made unbiased for the running estimate.
///
/// In a frozen layer (`usesRunningStatistics`) it normalizes with the running statistics in
/// training too and leaves them as they are, as a fine-tuned backbone's batch norm should.
public struct BatchNorm: Operator {
  public static let opType = "BatchNorm"
  public static let signature = OpSignature(
    inputs: ["x", "gamma", "beta", "running_mean", "running_variance"],
    outputs: ["y", "mean", "inv_std"])
  public var epsilon: Float
  public var momentum: Float
  public var usesRunningStatistics: Bool

  public init(epsilon: Float = 1e-5, momentum: Float = 0.1, usesRunningStatistics: Bool = false) {
    self.epsilon = epsilon
    self.momentum = momentum
    self.usesRunningStatistics = usesRunningStatistics
  }

  private enum CodingKeys: String, CodingKey { case epsilon, momentum, usesRunningStatistics }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    epsilon = try container.decode(Float.self, forKey: .epsilon)
    momentum = try container.decode(Float.self, forKey: .momentum)
    usesRunningStatistics =
      try container.decodeIfPresent(Bool.self, forKey: .usesRunningStatistics) ?? false
  }

  /// The frozen flag is written only when set, so a model's fingerprint (and the checkpoints
  /// that carry it) is what it was before layers could be frozen.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(epsilon, forKey: .epsilon)
    try container.encode(momentum, forKey: .momentum)
    if usesRunningStatistics { try container.encode(true, forKey: .usesRunningStatistics) }
  }

  public var name: String { "BatchNorm" }
  public var attributeSummary: String {
    usesRunningStatistics ? "frozen, ε \(epsilon)" : "momentum \(momentum), ε \(epsilon)"
  }
  public var fusionClass: FusionClass { .reduction }
  public var family: OpFamily { .normalization }
  /// Training updates the running statistics in place (unless the layer is frozen).
  public var effects: [Effect] {
    usesRunningStatistics ? [] : [.writesInput(3), .writesInput(4), .dependsOnMode]
  }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 5, op: name)
    let x = inputs[0]
    try ShapeRules.expectFloat(x, op: name, what: "input")
    guard x.rank >= 2, case .fixed(let channels) = x.shape.last else {
      throw GraphError(
        "BatchNorm normalizes the last axis of a batch, got \(x)",
        help: "use it after Dense ([N, features]) or Conv2D ([N, height, width, channels])")
    }
    let perChannel = TensorType.fixed([channels])
    for (index, what) in [
      (1, "scale γ"), (2, "shift β"), (3, "running mean"), (4, "running variance"),
    ]
    where inputs[index] != perChannel {
      throw GraphError("BatchNorm's \(what) must be \(perChannel), got \(inputs[index])")
    }
    return [x, perChannel, perChannel]
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    guard let dy = outputGradients[0] else { return [nil, nil, nil, nil, nil] }
    let (x, gamma) = (node.inputs[0], node.inputs[1])
    let (mean, invStd) = (node.outputs[1], node.outputs[2])
    let outputs = try builder.graph.apply(
      BatchNormGradient(usesRunningStatistics: usesRunningStatistics),
      [x, dy, gamma, mean, invStd], name: "\(builder.namePrefix)/dBatchNorm",
      location: builder.location)
    return [outputs[0], outputs[1], outputs[2], nil, nil]
  }

}

/// The gradient of `BatchNorm`. Inputs: (x, dy, γ, mean, invStd); outputs: (dx, dγ, dβ). With
/// batch statistics the mean and variance depend on x; with the running ones (a frozen layer)
/// they do not, and dx = dy · γ · invStd.
public struct BatchNormGradient: NonDifferentiable {
  public static let opType = "BatchNormGradient"
  public static let signature = OpSignature(inputs: ["x", "dy", "gamma", "mean", "inv_std"])
  public var usesRunningStatistics: Bool

  public init(usesRunningStatistics: Bool = false) {
    self.usesRunningStatistics = usesRunningStatistics
  }

  public var name: String { "BatchNormGradient" }
  public var fusionClass: FusionClass { .reduction }
  public var family: OpFamily { .normalization }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 5, op: name)
    return [inputs[0], inputs[2], inputs[2]]
  }

}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(BatchNorm.self, BatchNormGradient.self)
}
