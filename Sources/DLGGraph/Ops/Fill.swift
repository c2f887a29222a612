/// A tensor of one repeated value, such as the seed gradient 1 of the loss.
public struct Fill: NonDifferentiable {
  public static let opType = "Fill"
  public static let signature = OpSignature(inputs: [])

  public func validateAttributes() throws(GraphError) {
    try type.validate(op: name)
  }
  public var value: Float
  public var type: TensorType

  public init(_ value: Float, _ type: TensorType = .scalar) {
    self.value = value
    self.type = type
  }

  public var name: String { "Fill" }
  public var attributeSummary: String { "\(value)" }
  public var fusionClass: FusionClass { .elementwise }
  public var family: OpFamily { .other }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 0, op: name)
    return [type]
  }

}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(Fill.self)
}
