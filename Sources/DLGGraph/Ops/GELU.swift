import DLGKernels

/// The Gaussian error linear unit, tanh form; its gradient reads the input.
public struct GELU: Operator {
  public init() {}

  public var name: String { "GELU" }
  public var fusionClass: FusionClass { .elementwise }
  public var family: OpFamily { .activation }

  public func outputTypes(for inputs: [TensorType]) throws(ShapeError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 1, op: name)
    try ShapeRules.expectFloat(inputs[0], op: name, what: "input")
    return [inputs[0]]
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(ShapeError) -> [ValueID?]
  {
    guard let dy = outputGradients[0] else { return [nil] }
    return [try builder.add(GELUGradient(), [node.inputs[0], dy], "dGELU")]
  }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let count = binding.inputs[0].count
    let (x, y) = (binding.inputs[0].floats, binding.outputs[0].floats)
    return { _ in Elementwise.gelu(count: count, x: x, y: y) }
  }
}

/// Inputs: (x, dy); output dx.
public struct GELUGradient: NonDifferentiable {
  public init() {}

  public var name: String { "GELUGradient" }
  public var fusionClass: FusionClass { .elementwise }
  public var family: OpFamily { .activation }
  public var inPlaceInput: Int? { 1 }

  public func outputTypes(for inputs: [TensorType]) throws(ShapeError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 2, op: name)
    try ShapeRules.expectSameShape(inputs[0], inputs[1], op: name)
    return [inputs[1]]
  }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let count = binding.inputs[0].count
    let (x, dy, dx) = (
      binding.inputs[0].floats, binding.inputs[1].floats, binding.outputs[0].floats
    )
    return { _ in Elementwise.geluGradient(count: count, x: x, dy: dy, dx: dx) }
  }
}
