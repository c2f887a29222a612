/// Gives a tensor a new shape with the same elements in the same order. It is a view: the
/// output shares the input's storage, so it costs no memory and no kernel time.
public struct Reshape: Operator {
  public static let opType = "Reshape"
  public static let signature = OpSignature(inputs: ["x"])

  public func validateAttributes() throws(GraphError) {
    try TensorType(.float32, shape).validate(op: name)
  }
  public var shape: [Dimension]

  public init(_ shape: [Dimension]) { self.shape = shape }

  public var name: String { "Reshape" }
  public var attributeSummary: String { "to " + shape.map(\.description).joined(separator: "×") }
  public var fusionClass: FusionClass { .injective }
  public var family: OpFamily { .reshape }
  public var aliasedInput: Int? { 0 }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 1, op: name)
    let input = inputs[0]
    let target = TensorType(input.dtype, shape)
    guard input.isBatched == target.isBatched, input.elementsPerItem == target.elementsPerItem
    else {
      throw GraphError(
        "cannot reshape \(input.shapeDescription) into \(target.shapeDescription): "
          + "the element counts differ",
        notes: ["input:  \(input)", "target: \(target)"])
    }
    return [target]
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    guard let dy = outputGradients[0] else { return [nil] }
    let back = Reshape(builder.type(of: node.inputs[0]).shape)
    return [try builder.add(back, [dy], "dReshape")]
  }

}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(Reshape.self)
}
