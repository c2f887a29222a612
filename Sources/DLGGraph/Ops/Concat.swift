/// Joins tensors along their last axis (channels for images, features for vectors); every
/// other dimension must match.
public struct Concat: Operator {
  public static let opType = "Concat"
  public static let signature = OpSignature(inputs: ["x..."])
  public init() {}

  public var name: String { "Concat" }
  public var fusionClass: FusionClass { .injective }
  public var family: OpFamily { .merge }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    guard inputs.count >= 2 else { throw GraphError("Concat joins at least two inputs") }
    let first = inputs[0]
    var width = 0
    for input in inputs {
      guard input.rank == first.rank, input.rank >= 1,
        input.shape.dropLast() == first.shape.dropLast(),
        case .fixed(let w)? = input.shape.last, input.dtype == .float32
      else {
        throw GraphError(
          "Concat needs inputs that differ only in their last dimension",
          notes: inputs.map { "input: \($0)" })
      }
      width += w
    }
    return [TensorType(.float32, Array(first.shape.dropLast()) + [.fixed(width)])]
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    guard let dy = outputGradients[0] else { return node.inputs.map { _ in nil } }
    var offset = 0
    var gradients: [ValueID?] = []
    for input in node.inputs {
      guard case .fixed(let width)? = builder.type(of: input).shape.last else { return [] }
      gradients.append(
        try builder.add(
          SliceLastAxis(offset: offset, width: width), [dy], "dConcat\(gradients.count)"))
      offset += width
    }
    return gradients
  }

}

/// Columns `offset..<offset+width` of the last axis: the gradient of one Concat input.
public struct SliceLastAxis: NonDifferentiable {
  public static let opType = "SliceLastAxis"
  public static let signature = OpSignature(inputs: ["x"])

  public func validateAttributes() throws(GraphError) {
    try AttributeRules.expect(offset, in: 0...AttributeRules.maximumExtent, "the offset", op: name)
    try AttributeRules.expect(width, in: 1...AttributeRules.maximumExtent, "the width", op: name)
  }
  public var offset: Int
  public var width: Int

  public init(offset: Int, width: Int) {
    self.offset = offset
    self.width = width
  }

  public var name: String { "SliceLastAxis" }
  public var attributeSummary: String { "\(offset)..<\(offset + width)" }
  public var fusionClass: FusionClass { .injective }
  public var family: OpFamily { .reshape }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 1, op: name)
    return [TensorType(.float32, Array(inputs[0].shape.dropLast()) + [.fixed(width)])]
  }

}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(Concat.self, SliceLastAxis.self)
}
