import DLGKernels

/// Softmax over the last axis: turns logits into class probabilities for prediction.
public struct Softmax: Operator {
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

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let x = binding.inputs[0]
    let columns = x.dimensions.last ?? 1
    let rows = ShapeRules.rows(x.dimensions)
    let (px, py) = (x.floats, binding.outputs[0].floats)
    return { _ in RowSoftmax.forward(rows: rows, columns: columns, logits: px, probabilities: py) }
  }
}
