/// Adds a bias vector along the last axis: `y[..., c] = x[..., c] + b[c]`.
public struct BiasAdd: Operator {
  public static let opType = "BiasAdd"
  public static let signature = OpSignature(inputs: ["x", "bias"])
  public init() {}

  public var name: String { "BiasAdd" }
  public var inPlaceInput: Int? { 0 }
  public var fusionClass: FusionClass { .elementwise }
  public var family: OpFamily { .dense }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 2, op: name)
    let (x, bias) = (inputs[0], inputs[1])
    try ShapeRules.expectRank(bias, 1, op: name, what: "bias")
    guard x.rank >= 1, x.shape.last == bias.shape[0] else {
      throw GraphError(
        "the bias length must equal the last dimension of the input",
        notes: ["input: \(x)", "bias:  \(bias)"])
    }
    return [x]
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    guard let dy = outputGradients[0] else { return [nil, nil] }
    return [dy, try builder.add(ColumnSums(), [dy], "dBias")]
  }

}

/// Sums a tensor over every axis but the last: the gradient of a bias.
public struct ColumnSums: NonDifferentiable {
  public static let opType = "ColumnSums"
  public static let signature = OpSignature(inputs: ["x"])
  public init() {}

  public var name: String { "ColumnSums" }
  public var fusionClass: FusionClass { .reduction }
  public var family: OpFamily { .other }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 1, op: name)
    guard let last = inputs[0].shape.last else {
      throw GraphError("ColumnSums needs at least one dimension, got \(inputs[0])")
    }
    return [TensorType(.float32, [last])]
  }

}

extension BiasAdd: ElementwiseFormula {
  public var columnInputs: Set<Int> { [1] }

  public func formula(_ inputs: [Int], _ program: inout ElementwiseProgram) -> Int {
    program.emit(.add(inputs[0], inputs[1]))
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(BiasAdd.self, ColumnSums.self)
}
