/// Matrix product `op(A) · op(B)`, where `op` optionally transposes. Dense layers lower to it;
/// its gradients are MatMuls with other transpose flags.
///
/// The left operand may have any rank of at least 2: its leading axes are rows, so `[N, T, D]`
/// times `[D, U]` is one product over N·T rows giving `[N, T, U]` (a Dense layer on a
/// sequence). With `transposeA`, both operands are such row sets with the same leading axes,
/// and the product sums over all their rows: `[N, T, D]ᵀ · [N, T, U]` is `[D, U]` (the weight
/// gradient of that layer).
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
    try ShapeRules.expectFloat(a, op: name, what: "operands")
    try ShapeRules.expectFloat(b, op: name, what: "operands")
    guard a.rank >= 2 else {
      throw GraphError(
        "MatMul expects its left operand to have rank 2 or more, got \(a.rank)",
        notes: ["left operand: \(a)"])
    }
    let mismatch = GraphError(
      "matrix product needs matching inner dimensions", notes: ["left:  \(a)", "right: \(b)"])
    if transposeA && b.rank > 2 || transposeA && a.rank > 2 {
      // Row sets: the same leading axes, summed over; the result is [K, N].
      guard !transposeB, a.rank == b.rank, a.shape.dropLast() == b.shape.dropLast() else {
        throw mismatch
      }
      return [TensorType(.float32, [a.shape[a.rank - 1], b.shape[b.rank - 1]])]
    }
    try ShapeRules.expectRank(b, 2, op: name, what: "right operand")
    if transposeA {
      guard a.shape[0] == b.shape[transposeB ? 1 : 0] else { throw mismatch }
      return [TensorType(.float32, [a.shape[1], transposeB ? b.shape[0] : b.shape[1]])]
    }
    let (innerB, columns) = transposeB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
    guard a.shape[a.rank - 1] == innerB else {
      throw GraphError(
        "matrix product needs matching inner dimensions, got \(a.shape[a.rank - 1]) and \(innerB)",
        notes: ["left:  \(a)", "right: \(b)"])
    }
    return [TensorType(.float32, Array(a.shape.dropLast()) + [columns])]
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
