/// `a` where `condition ≠ 0`, else `b`, elementwise (masks: padding, causal attention).
/// Inputs: (condition, a, b), all of one shape; the condition gets no gradient.
public struct Select: ElementwiseFormula {
  public static let opType = "Select"
  public static let signature = OpSignature(inputs: ["condition", "a", "b"])
  public init() {}

  public var fusionClass: FusionClass { .elementwise }
  public var family: OpFamily { .merge }
  public var inPlaceInput: Int? { 1 }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 3, op: name)
    try ShapeRules.expectFloat(inputs[0], op: name, what: "condition")
    try ShapeRules.expectSameShape(inputs[0], inputs[1], op: name)
    return try ShapeRules.sameFloatPair(Array(inputs[1...]), op: name)
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    guard let dy = outputGradients[0] else { return [nil, nil, nil] }
    let (condition, zero) = (node.inputs[0], try builder.add(Scale(0), [dy], "zero"))
    return [
      nil, try builder.add(Select(), [condition, dy, zero], "dA"),
      try builder.add(Select(), [condition, zero, dy], "dB"),
    ]
  }

  public func formula(_ inputs: [Int], _ program: inout ElementwiseProgram) -> Int {
    program.emit(.select(inputs[0], inputs[1], inputs[2]))
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(Select.self)
}
