/// Matrix product `op(A) · op(B)` of two rank-2 tensors, where `op` optionally transposes.
/// Dense layers lower to it; its gradients are MatMuls with other transpose flags.
public struct MatMul: Operator {
  public static let opType = "MatMul"
  public static let signature = OpSignature(inputs: ["a", "b"])
  public var transposeA: Bool
  public var transposeB: Bool

  public init(transposeA: Bool = false, transposeB: Bool = false) {
    self.transposeA = transposeA
    self.transposeB = transposeB
  }

  public var name: String { "MatMul" }
  public var attributeSummary: String {
    [transposeA ? "Aᵀ" : nil, transposeB ? "Bᵀ" : nil].compactMap { $0 }.joined(separator: ", ")
  }
  public var fusionClass: FusionClass { .opaque }
  public var family: OpFamily { .dense }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 2, op: name)
    let (a, b) = (inputs[0], inputs[1])
    try ShapeRules.expectRank(a, 2, op: name, what: "left operand")
    try ShapeRules.expectRank(b, 2, op: name, what: "right operand")
    try ShapeRules.expectFloat(a, op: name, what: "operands")
    try ShapeRules.expectFloat(b, op: name, what: "operands")
    let (rows, innerA) = transposeA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
    let (innerB, columns) = transposeB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
    guard innerA == innerB else {
      throw GraphError(
        "matrix product needs matching inner dimensions, got \(innerA) and \(innerB)",
        notes: ["left:  \(a)", "right: \(b)"])
    }
    return [TensorType(.float32, [rows, columns])]
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    guard let dy = outputGradients[0] else { return [nil, nil] }
    return try Self.productGradients(
      transposeA: transposeA, transposeB: transposeB, a: node.inputs[0], b: node.inputs[1],
      dy: dy, in: &builder
    ) { ta, tb in MatMul(transposeA: ta, transposeB: tb) }
  }

  /// The gradients of `y = op(A) · op(B)`, as products of `dy` with the operands: the rule
  /// every matrix product shares (plain or batched), given how to make a product.
  public static func productGradients(
    transposeA: Bool, transposeB: Bool, a: ValueID, b: ValueID, dy: ValueID,
    in builder: inout GraphBuilder, product: (Bool, Bool) -> any Operator
  ) throws(GraphError) -> [ValueID?] {
    // (op, left, right) for dA and dB.
    let (da, db): ((Bool, Bool, ValueID, ValueID), (Bool, Bool, ValueID, ValueID)) =
      switch (transposeA, transposeB) {
      case (false, false): ((false, true, dy, b), (true, false, a, dy))
      case (false, true): ((false, false, dy, b), (true, false, dy, a))
      case (true, false): ((false, true, b, dy), (false, false, a, dy))
      case (true, true): ((true, true, b, dy), (true, true, dy, a))
      }
    return [
      try builder.add(product(da.0, da.1), [da.2, da.3], "dA"),
      try builder.add(product(db.0, db.1), [db.2, db.3], "dB"),
    ]
  }

}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(MatMul.self)
}
