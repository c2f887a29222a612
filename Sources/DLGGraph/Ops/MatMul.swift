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
    let (a, b) = (node.inputs[0], node.inputs[1])
    switch (transposeA, transposeB) {
    case (false, false):
      return [
        try builder.add(MatMul(transposeB: true), [dy, b], "dA"),
        try builder.add(MatMul(transposeA: true), [a, dy], "dB"),
      ]
    case (false, true):
      return [
        try builder.add(MatMul(), [dy, b], "dA"),
        try builder.add(MatMul(transposeA: true), [dy, a], "dB"),
      ]
    case (true, false):
      return [
        try builder.add(MatMul(transposeB: true), [b, dy], "dA"),
        try builder.add(MatMul(), [a, dy], "dB"),
      ]
    case (true, true):
      return [
        try builder.add(MatMul(transposeA: true, transposeB: true), [b, dy], "dA"),
        try builder.add(MatMul(transposeA: true, transposeB: true), [dy, a], "dB"),
      ]
    }
  }

}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(MatMul.self)
}
