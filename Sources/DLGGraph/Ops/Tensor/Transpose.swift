/// Reorders the axes of a tensor: output axis `i` is input axis `permutation[i]`
/// (`[N, T, heads, d] → [N, heads, T, d]` is `[0, 2, 1, 3]`). The batch axis stays first.
/// Its gradient is the transpose by the inverse permutation.
public struct Transpose: Operator {
  public static let opType = "Transpose"
  public static let signature = OpSignature(inputs: ["x"])
  public var permutation: [Int]

  public init(_ permutation: [Int]) { self.permutation = permutation }

  public var attributeSummary: String {
    "[" + permutation.map(String.init).joined(separator: ", ") + "]"
  }
  public var fusionClass: FusionClass { .injective }
  public var family: OpFamily { .reshape }

  public func validateAttributes() throws(GraphError) {
    guard !permutation.isEmpty, permutation.sorted() == Array(permutation.indices) else {
      throw GraphError("Transpose: \(permutation) is not a permutation of 0..<\(permutation.count)")
    }
  }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 1, op: name)
    let x = inputs[0]
    try validateAttributes()
    guard permutation.count == x.rank else {
      throw GraphError(
        "Transpose[\(attributeSummary)] reorders \(permutation.count) axes, but its input has \(x.rank)",
        notes: ["input: \(x)"], help: "give one position for every axis, from 0")
    }
    guard !x.isBatched || permutation.first == 0 else {
      throw GraphError(
        "Transpose cannot move the batch axis N", notes: ["input: \(x)"],
        help: "keep 0 first in the permutation")
    }
    return [TensorType(x.dtype, permutation.map { x.shape[$0] })]
  }

  /// The permutation that undoes this one.
  public var inverse: Transpose {
    var inverse = [Int](repeating: 0, count: permutation.count)
    for (output, input) in permutation.enumerated() { inverse[input] = output }
    return Transpose(inverse)
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    guard let dy = outputGradients[0] else { return [nil] }
    return [try builder.add(inverse, [dy], "dTranspose")]
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(Transpose.self)
}
