/// Mean softmax cross-entropy of logits `[N, C]` against integer class labels `i32[N]`: the
/// loss of a classifier, computed from logits in one numerically stable pass. Logits
/// `[N, T, C]` against labels `i32[N, T]` (a language model's next tokens) give the mean over
/// every position; a negative label (padding) is left out of the loss and of the mean.
public struct SoftmaxCrossEntropy: LossOp {
  public static let opType = "SoftmaxCrossEntropy"
  public static let signature = OpSignature(inputs: ["logits", "labels"])
  public init() {}

  public var name: String { "SoftmaxCrossEntropy" }
  public var fusionClass: FusionClass { .reduction }
  public var family: OpFamily { .loss }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ClassificationShapes.check(inputs, op: name)
    return [.scalar]
  }

  /// The logits' last dimension.
  public func classCount(predictions: TensorType) -> Int? {
    if case .fixed(let classes)? = predictions.shape.last { classes } else { nil }
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    guard let dLoss = outputGradients[0] else { return [nil, nil] }
    let gradient = try builder.add(
      SoftmaxCrossEntropyGradient(), [node.inputs[0], node.inputs[1], dLoss], "dLogits")
    return [gradient, nil]
  }

}

/// `dLogits = dLoss / n · (softmax(logits) − onehot(labels))`, n the rows with a label (zero
/// for rows without). Inputs: (logits, labels, dLoss).
public struct SoftmaxCrossEntropyGradient: NonDifferentiable {
  public static let opType = "SoftmaxCrossEntropyGradient"
  public static let signature = OpSignature(inputs: ["logits", "labels", "dLoss"])
  public init() {}

  public var name: String { "SoftmaxCrossEntropyGradient" }
  public var fusionClass: FusionClass { .reduction }
  public var family: OpFamily { .loss }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 3, op: name)
    try ClassificationShapes.check(Array(inputs[0..<2]), op: name)
    return [inputs[0]]
  }

}

/// The number of rows whose largest logit is at the label's index (a metric, as f32); for
/// sequence logits, of positions.
public struct CorrectCount: NonDifferentiable {
  public static let opType = "CorrectCount"
  public static let signature = OpSignature(inputs: ["logits", "labels"])
  public init() {}

  public var name: String { "CorrectCount" }
  public var fusionClass: FusionClass { .reduction }
  public var family: OpFamily { .metric }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ClassificationShapes.check(inputs, op: name)
    return [.scalar]
  }

}

/// A training step's softmax cross-entropy, its gradient and (with `countsCorrect`) its
/// correct count in one pass over the logits: each row's exponentials are computed once, not
/// once for the loss, again for the gradient and a third pass for the arg-max. What
/// `LossGradientFusion` makes of the three nodes. Inputs: (logits, labels, dLoss); outputs:
/// (loss, dLogits, correct).
public struct FusedSoftmaxCrossEntropy: NonDifferentiable {
  public static let opType = "FusedSoftmaxCrossEntropy"
  public static let signature = OpSignature(
    inputs: ["logits", "labels", "dLoss"], outputs: ["loss", "dLogits", "correct"])
  public var countsCorrect: Bool

  public init(countsCorrect: Bool) { self.countsCorrect = countsCorrect }

  public var fusionClass: FusionClass { .reduction }
  public var family: OpFamily { .loss }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 3, op: name)
    try ClassificationShapes.check(Array(inputs[0..<2]), op: name)
    return [.scalar, inputs[0]] + (countsCorrect ? [.scalar] : [])
  }
}

/// The shape rule shared by classification losses and metrics: logits `f32[N, C]` and labels
/// `i32[N]`, or logits `f32[N, T, C]` and labels `i32[N, T]` (one label per position).
enum ClassificationShapes {
  static func check(_ inputs: [TensorType], op: String) throws(GraphError) {
    try ShapeRules.expectInputCount(inputs, 2, op: op)
    let (logits, labels) = (inputs[0], inputs[1])
    guard logits.rank == 2 || logits.rank == 3, logits.dtype == .float32 else {
      throw GraphError(
        "\(op) expects logits of shape [N, classes] (or [N, length, classes]), got \(logits)",
        help: "add a Flatten and a Dense[classes] layer before the loss")
    }
    guard labels.dtype == .int32, labels.shape == Array(logits.shape.dropLast()) else {
      throw GraphError(
        "\(op) expects one integer class label per row of logits",
        notes: ["logits: \(logits)", "labels: \(labels)"])
    }
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(
    SoftmaxCrossEntropy.self, SoftmaxCrossEntropyGradient.self, CorrectCount.self,
    FusedSoftmaxCrossEntropy.self)
  LossRegistry.register(
    LossFunction(
      name: "softmax_cross_entropy", target: .labels,
      summary: "classification into C classes: logits [N, C] against labels i32[N]"
    ) { prediction, _, metrics, graph, location throws(GraphError) in
      try graph.appendClassification(
        loss: SoftmaxCrossEntropy(), correct: CorrectCount(),
        logits: graph.logits(before: prediction, binary: false), metrics: metrics,
        location: location)
    })
}
