/// Rectified linear unit, `max(x, 0)`.
public struct ReLU: Operator {
  public static let opType = "ReLU"
  public static let signature = OpSignature(inputs: ["x"])
  public init() {}

  public var name: String { "ReLU" }
  public var inPlaceInput: Int? { 0 }
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
    // The gradient reads the output, not the input: y > 0 exactly where x > 0, and keeping y
    // alive instead of x lets the planner free x early.
    return [try builder.add(ReLUGradient(), [node.outputs[0], dy], "dReLU")]
  }

}

/// `dx = dy` where the ReLU output is positive, else 0. Inputs: (y, dy).
public struct ReLUGradient: NonDifferentiable {
  public static let opType = "ReLUGradient"
  public static let signature = OpSignature(inputs: ["y", "dy"])
  public init() {}

  public var name: String { "ReLUGradient" }
  public var inPlaceInput: Int? { 1 }
  public var fusionClass: FusionClass { .elementwise }
  public var family: OpFamily { .activation }

  public func outputTypes(for inputs: [TensorType]) throws(ShapeError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 2, op: name)
    try ShapeRules.expectSameShape(inputs[0], inputs[1], op: name)
    return [inputs[1]]
  }

}

extension ReLU: ElementwiseFormula {
  public func formula(_ inputs: [Int], _ program: inout ElementwiseProgram) -> Int {
    program.emit(.relu(inputs[0]))
  }
}

extension ReLUGradient: ElementwiseFormula {
  public func formula(_ inputs: [Int], _ program: inout ElementwiseProgram) -> Int {
    program.emit(.wherePositive(inputs[0], inputs[1]))
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(ReLU.self, ReLUGradient.self)
}
