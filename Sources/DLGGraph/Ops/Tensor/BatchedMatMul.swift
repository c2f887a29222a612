/// Matrix products of matching batches of matrices: `[..., M, K] × [..., K, N] → [..., M, N]`,
/// each operand optionally transposed in its last two axes (attention's `Q · Kᵀ` on
/// `[N, heads, T, d]`). The leading axes must agree; its gradients are batched products with
/// other transpose flags, as `MatMul`'s are.
public struct BatchedMatMul: Operator {
  public static let opType = "BatchedMatMul"
  public static let signature = OpSignature(inputs: ["a", "b"])
  public var transposeA: Bool
  public var transposeB: Bool

  public init(transposeA: Bool = false, transposeB: Bool = false) {
    self.transposeA = transposeA
    self.transposeB = transposeB
  }

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
    guard a.rank >= 3, a.rank == b.rank, a.shape.dropLast(2) == b.shape.dropLast(2) else {
      throw GraphError(
        "a batched matrix product needs operands of one rank (3 or more) whose leading axes agree",
        notes: ["left:  \(a)", "right: \(b)"])
    }
    let r = a.rank
    let (rows, innerA) =
      transposeA ? (a.shape[r - 1], a.shape[r - 2]) : (a.shape[r - 2], a.shape[r - 1])
    let (innerB, columns) =
      transposeB ? (b.shape[r - 1], b.shape[r - 2]) : (b.shape[r - 2], b.shape[r - 1])
    guard innerA == innerB else {
      throw GraphError(
        "matrix product needs matching inner dimensions, got \(innerA) and \(innerB)",
        notes: ["left:  \(a)", "right: \(b)"])
    }
    return [TensorType(.float32, Array(a.shape.dropLast(2)) + [rows, columns])]
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    guard let dy = outputGradients[0] else { return [nil, nil] }
    return try MatMul.productGradients(
      transposeA: transposeA, transposeB: transposeB, a: node.inputs[0], b: node.inputs[1],
      dy: dy, in: &builder
    ) { ta, tb in BatchedMatMul(transposeA: ta, transposeB: tb) }
  }

}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(BatchedMatMul.self)
}
