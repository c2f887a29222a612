import DLGKernels

/// Elementwise sum of two tensors of the same shape (residual connections, and the sum of the
/// gradients of a value read by several nodes).
public struct Add: Operator {
  public init() {}

  public var name: String { "Add" }
  public var inPlaceInput: Int? { 0 }
  public var fusionClass: FusionClass { .elementwise }
  public var family: OpFamily { .merge }

  public func outputTypes(for inputs: [TensorType]) throws(ShapeError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 2, op: name)
    try ShapeRules.expectSameShape(inputs[0], inputs[1], op: name)
    try ShapeRules.expectFloat(inputs[0], op: name, what: "inputs")
    return [inputs[0]]
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(ShapeError) -> [ValueID?]
  {
    [outputGradients[0], outputGradients[0]]
  }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let count = binding.outputs[0].count
    let (a, b, y) = (binding.inputs[0].floats, binding.inputs[1].floats, binding.outputs[0].floats)
    return { _ in Elementwise.add(count: count, a, b, y) }
  }
}

extension Add: ElementwiseFormula {
  public func formula(_ inputs: [Int], _ program: inout ElementwiseProgram) -> Int {
    program.emit(.add(inputs[0], inputs[1]))
  }
}
