/// `act(conv(x, w) + bias)` in one node. The kernel works through the batch a few images at a
/// time — patches, product, bias and activation — so each image's data stays in cache from
/// gathering to activation. Made by the fusion pass from Conv2D → BiasAdd → ReLU.
public struct FusedConv2D: NonDifferentiable {
  public static let opType = "FusedConv2D"
  public static let signature = OpSignature(inputs: ["x", "filter", "bias"])

  public func validateAttributes() throws(GraphError) {
    try attributes.validate(op: name)
  }
  public var attributes: Conv2DAttributes
  public var activation: FusedActivation

  public init(_ attributes: Conv2DAttributes, activation: FusedActivation) {
    self.attributes = attributes
    self.activation = activation
  }

  public var name: String { "FusedConv2D" }
  public var attributeSummary: String {
    "Conv2D + BiasAdd" + (activation == .relu ? " + ReLU" : "") + ", " + attributes.summary
  }
  public var fusionClass: FusionClass { .opaque }
  public var family: OpFamily { .convolution }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 3, op: name)
    let convolved = try Conv2D(attributes).outputTypes(for: Array(inputs[0..<2]))
    return try BiasAdd().outputTypes(for: [convolved[0], inputs[2]])
  }

}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(FusedConv2D.self)
}
