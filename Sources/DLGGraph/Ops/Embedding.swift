/// Looks up one row of a table per integer id: `ids i32[N, L]` and `table [V, D]` give
/// `[N, L, D]`. Ids outside the table give zeros (data loaders map unknown words to a known id).
public struct EmbeddingLookup: Operator {
  public static let opType = "EmbeddingLookup"
  public static let signature = OpSignature(inputs: ["ids", "table"])
  public init() {}

  public var name: String { "Embedding" }
  public var fusionClass: FusionClass { .injective }
  public var family: OpFamily { .other }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 2, op: name)
    let (ids, table) = (inputs[0], inputs[1])
    guard ids.dtype == .int32 else {
      throw GraphError(
        "Embedding looks up integer ids, got \(ids)",
        help: "declare the input as i32[N, length]")
    }
    try ShapeRules.expectRank(table, 2, op: name, what: "table")
    return [TensorType(.float32, ids.shape + [table.shape[1]])]
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    guard let dy = outputGradients[0] else { return [nil, nil] }
    let table = builder.type(of: node.inputs[1])
    return [nil, try builder.add(EmbeddingGradient(table: table), [node.inputs[0], dy], "dTable")]
  }

}

/// The table gradient of an embedding: each id's rows of `dy` summed into its table row.
/// Inputs: (ids, dy).
public struct EmbeddingGradient: NonDifferentiable {
  public static let opType = "EmbeddingGradient"
  public static let signature = OpSignature(inputs: ["ids", "dy"])

  public func validateAttributes() throws(GraphError) {
    try table.validate(op: name)
  }
  public var table: TensorType

  public init(table: TensorType) { self.table = table }

  public var name: String { "EmbeddingGradient" }
  public var fusionClass: FusionClass { .opaque }
  public var family: OpFamily { .other }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 2, op: name)
    return [table]
  }

}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(EmbeddingLookup.self, EmbeddingGradient.self)
}
