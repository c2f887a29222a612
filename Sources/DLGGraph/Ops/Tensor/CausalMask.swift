/// Hides the future from attention: on scores `[..., T, T]` (query positions by key
/// positions) every entry whose key comes after its query becomes −∞, so the softmax after it
/// gives those keys weight 0. The diagonal stays, so no row is ever fully masked. Its gradient
/// passes `dy` where the scores were kept and 0 elsewhere.
public struct CausalMask: Operator {
  public static let opType = "CausalMask"
  public static let signature = OpSignature(inputs: ["scores"])
  /// The value hidden entries take: −∞, or 0 for the gradient (which masks `dy` the same way).
  public var fill: Float

  public init(fill: Float = -.infinity) { self.fill = fill }

  public var fusionClass: FusionClass { .injective }
  public var family: OpFamily { .other }
  public var inPlaceInput: Int? { 0 }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 1, op: name)
    let x = inputs[0]
    try ShapeRules.expectFloat(x, op: name, what: "scores")
    guard x.rank >= 2, case .fixed(let queries) = x.shape[x.rank - 2],
      x.shape[x.rank - 1] == .fixed(queries)
    else {
      throw GraphError(
        "a causal mask needs square attention scores [..., T, T], got \(x)",
        help: "causal attention needs queries and keys of the same length")
    }
    return [x]
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    guard let dy = outputGradients[0] else { return [nil] }
    return [try builder.add(CausalMask(fill: 0), [dy], "dCausalMask")]
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(CausalMask.self)
}
