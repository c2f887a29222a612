/// Binary cross-entropy of one logit per row `[N, 1]` against 0/1 labels `i32[N]`, from the
/// logits (the sigmoid is part of the loss, which keeps it stable).
public struct BinaryCrossEntropyLoss: LossOp {
  public static let opType = "BinaryCrossEntropyLoss"
  public static let signature = OpSignature(inputs: ["logits", "labels"])
  public init() {}

  public var name: String { "BinaryCrossEntropy" }
  public var fusionClass: FusionClass { .reduction }
  public var family: OpFamily { .loss }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try BinaryShapes.check(inputs, op: name)
    return [.scalar]
  }

  /// One logit stands for two classes.
  public func classCount(predictions: TensorType) -> Int? { 2 }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    guard let dLoss = outputGradients[0] else { return [nil, nil] }
    let gradient = try builder.add(
      BinaryCrossEntropyGradient(), [node.inputs[0], node.inputs[1], dLoss], "dLogits")
    return [gradient, nil]
  }

}

/// `(σ(x) − y) · dLoss / N`. Inputs: (logits, labels, dLoss).
public struct BinaryCrossEntropyGradient: NonDifferentiable {
  public static let opType = "BinaryCrossEntropyGradient"
  public static let signature = OpSignature(inputs: ["logits", "labels", "dLoss"])
  public init() {}

  public var name: String { "BinaryCrossEntropyGradient" }
  public var fusionClass: FusionClass { .elementwise }
  public var family: OpFamily { .loss }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 3, op: name)
    return [inputs[0]]
  }

}

/// Rows whose logit's sign matches the 0/1 label (a metric, as f32).
public struct BinaryCorrectCount: NonDifferentiable {
  public static let opType = "BinaryCorrectCount"
  public static let signature = OpSignature(inputs: ["logits", "labels"])
  public init() {}

  public var name: String { "BinaryCorrectCount" }
  public var fusionClass: FusionClass { .reduction }
  public var family: OpFamily { .metric }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try BinaryShapes.check(inputs, op: name)
    return [.scalar]
  }

}

/// Logits `f32[N, 1]` and labels `i32[N]`.
enum BinaryShapes {
  static func check(_ inputs: [TensorType], op: String) throws(GraphError) {
    try ShapeRules.expectInputCount(inputs, 2, op: op)
    let (logits, labels) = (inputs[0], inputs[1])
    guard logits.rank == 2, logits.shape[1] == .fixed(1), logits.dtype == .float32 else {
      throw GraphError(
        "\(op) expects one logit per sample [N, 1], got \(logits)",
        help: "end the network with Dense[1] (or Dense[1, sigmoid])")
    }
    guard labels.rank == 1, labels.dtype == .int32, labels.shape[0] == logits.shape[0] else {
      throw GraphError(
        "\(op) expects one 0/1 label per sample", notes: ["logits: \(logits)", "labels: \(labels)"])
    }
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(
    BinaryCrossEntropyLoss.self, BinaryCrossEntropyGradient.self, BinaryCorrectCount.self)
  LossRegistry.register(
    LossFunction(
      name: "binary_cross_entropy", target: .labels,
      summary: "two classes: one logit [N, 1] against 0/1 labels i32[N]"
    ) { prediction, _, metrics, graph, location throws(GraphError) in
      try graph.appendClassification(
        loss: BinaryCrossEntropyLoss(), correct: BinaryCorrectCount(),
        logits: graph.logits(before: prediction, binary: true), metrics: metrics,
        location: location)
    })
}
