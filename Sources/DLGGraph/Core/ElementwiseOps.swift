/// An elementwise op of one float input: `y = f(x)`, same shape. Its gradient is one rule in
/// the elementwise vocabulary, from the input, the output or both (tinygrad's way), so a
/// composition of such ops differentiates itself and the fusion pass turns the forward and the
/// backward chain each into one loop.
public protocol UnaryElementwise: ElementwiseFormula {
  /// `dx` for `dy`, given the op's input `x` and output `y`.
  func inputGradient(x: ValueID, y: ValueID, dy: ValueID, in builder: inout GraphBuilder)
    throws(GraphError) -> ValueID
}

extension UnaryElementwise {
  public var fusionClass: FusionClass { .elementwise }
  public var family: OpFamily { .activation }
  public var inPlaceInput: Int? { 0 }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 1, op: name)
    try ShapeRules.expectFloat(inputs[0], op: name, what: "input")
    return [inputs[0]]
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    guard let dy = outputGradients[0] else { return [nil] }
    return [try inputGradient(x: node.inputs[0], y: node.outputs[0], dy: dy, in: &builder)]
  }
}

/// An elementwise op of two float inputs of one shape: `y = f(a, b)`. Its gradients are one
/// rule each in the elementwise vocabulary.
public protocol BinaryElementwise: ElementwiseFormula {
  /// `(da, db)` for `dy`, given the inputs and the output.
  func inputGradients(
    a: ValueID, b: ValueID, y: ValueID, dy: ValueID, in builder: inout GraphBuilder
  ) throws(GraphError) -> (ValueID?, ValueID?)
}

extension BinaryElementwise {
  public var fusionClass: FusionClass { .elementwise }
  public var family: OpFamily { .merge }
  public var inPlaceInput: Int? { 0 }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.sameFloatPair(inputs, op: name)
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    guard let dy = outputGradients[0] else { return [nil, nil] }
    let (da, db) = try inputGradients(
      a: node.inputs[0], b: node.inputs[1], y: node.outputs[0], dy: dy, in: &builder)
    return [da, db]
  }
}

/// The gradient op of an activation: `(x or y, dy) → dx`, all of one shape, `dx` written over
/// `dy` when nothing else reads it.
public protocol ActivationGradient: NonDifferentiable {}

extension ActivationGradient {
  public var fusionClass: FusionClass { .elementwise }
  public var family: OpFamily { .activation }
  public var inPlaceInput: Int? { 1 }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 2, op: name)
    try ShapeRules.expectSameShape(inputs[0], inputs[1], op: name)
    return [inputs[1]]
  }
}
