import DLGKernels

/// Mean squared error between predictions and targets of the same shape: a scalar.
public struct MeanSquaredError: Operator {
  public init() {}

  public var name: String { "MeanSquaredError" }
  public var fusionClass: FusionClass { .reduction }
  public var family: OpFamily { .loss }

  public func outputTypes(for inputs: [TensorType]) throws(ShapeError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 2, op: name)
    try ShapeRules.expectFloat(inputs[0], op: name, what: "predictions")
    guard inputs[0].shape == inputs[1].shape, inputs[1].dtype == .float32 else {
      throw ShapeError(
        "mse needs targets of the predictions' shape",
        notes: ["predictions: \(inputs[0])", "targets:     \(inputs[1])"])
    }
    return [.scalar]
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(ShapeError) -> [ValueID?]
  {
    guard let dLoss = outputGradients[0] else { return [nil, nil] }
    let gradient = try builder.add(
      MeanSquaredErrorGradient(), [node.inputs[0], node.inputs[1], dLoss], "dPrediction")
    return [gradient, nil]
  }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let count = binding.inputs[0].count
    let (p, t, loss) = (
      binding.inputs[0].floats, binding.inputs[1].floats, binding.outputs[0].floats
    )
    return { _ in loss.pointee = SquaredError.loss(count: count, prediction: p, target: t) }
  }
}

/// `2 (p − t) / count · dLoss`. Inputs: (predictions, targets, dLoss).
public struct MeanSquaredErrorGradient: NonDifferentiable {
  public init() {}

  public var name: String { "MeanSquaredErrorGradient" }
  public var fusionClass: FusionClass { .elementwise }
  public var family: OpFamily { .loss }

  public func outputTypes(for inputs: [TensorType]) throws(ShapeError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 3, op: name)
    return [inputs[0]]
  }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let count = binding.inputs[0].count
    let (p, t, dLoss) = (
      binding.inputs[0].floats, binding.inputs[1].floats, binding.inputs[2].floats
    )
    let gradient = binding.outputs[0].floats
    return { _ in
      SquaredError.gradient(
        count: count, prediction: p, target: t, scale: dLoss.pointee, gradient: gradient)
    }
  }
}
