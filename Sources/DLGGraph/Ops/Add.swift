/// Elementwise sum of two tensors of the same shape (residual connections, and the sum of the
/// gradients of a value read by several nodes).
public struct Add: Operator {
  public static let opType = "Add"
  public static let signature = OpSignature(inputs: ["a", "b"])
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

}

extension Add: ElementwiseFormula {
  public func formula(_ inputs: [Int], _ program: inout ElementwiseProgram) -> Int {
    program.emit(.add(inputs[0], inputs[1]))
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(Add.self)
}
