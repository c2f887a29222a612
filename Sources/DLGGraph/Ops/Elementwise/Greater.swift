/// 1 where `a > b`, else 0, elementwise: a comparison, whose result is a mask for `Select`
/// and `Multiply`. It has no gradient (it is constant wherever it is differentiable).
public struct Greater: NonDifferentiable, ElementwiseFormula {
  public static let opType = "Greater"
  public static let signature = OpSignature(inputs: ["a", "b"])
  public init() {}

  public var fusionClass: FusionClass { .elementwise }
  public var family: OpFamily { .other }
  public var inPlaceInput: Int? { 0 }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.sameFloatPair(inputs, op: name)
  }

  public func formula(_ inputs: [Int], _ program: inout ElementwiseProgram) -> Int {
    program.emit(.greater(inputs[0], inputs[1]))
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(Greater.self)
}
