/// Standardizes each channel (the last axis) with fixed statistics: y = (x − mean) /
/// sqrt(variance + ε). The statistics are the `Normalize` layer's, measured on the training
/// data before training starts and saved with the weights. Inputs: (x, mean, variance).
///
/// Without `centered` it only divides, which is also its own gradient: dx = dy / sqrt(var + ε).
public struct Standardize: Operator {
  public static let opType = "Standardize"
  public static let signature = OpSignature(inputs: ["x", "mean", "variance"])
  public var epsilon: Float
  public var centered: Bool

  public init(epsilon: Float = 1e-7, centered: Bool = true) {
    self.epsilon = epsilon
    self.centered = centered
  }

  public var name: String { centered ? "Standardize" : "StandardizeGradient" }
  public var fusionClass: FusionClass { .elementwise }
  public var family: OpFamily { .normalization }
  public var inPlaceInput: Int? { 0 }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 3, op: name)
    try ShapeRules.expectFloat(inputs[0], op: name, what: "input")
    guard case .fixed(let channels) = inputs[0].shape.last,
      inputs[1] == .fixed([channels]), inputs[2] == .fixed([channels])
    else {
      throw GraphError("Standardize needs one mean and one variance per channel of \(inputs[0])")
    }
    return [inputs[0]]
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    guard let dy = outputGradients[0] else { return [nil, nil, nil] }
    let dx = try builder.add(
      Standardize(epsilon: epsilon, centered: false), [dy, node.inputs[1], node.inputs[2]],
      "dStandardize")
    return [dx, nil, nil]
  }

}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(Standardize.self)
}
