/// Starts summing one bucket of gradients over the processes of a data-parallel run. The
/// kernel copies the gradients out (each scaled by this process's share of the global batch)
/// and hands them to the communication thread, so the sum goes on while the backward pass
/// computes the next gradients. `AllReduceWait` of the same bucket ends it. Inputs: the
/// bucket's gradients; no outputs.
///
/// Starts are collectives: every process must start its buckets in the same order, so the
/// scheduler runs them in listed order.
public struct AllReduceStart: NonDifferentiable {
  public static let opType = "AllReduceStart"
  public static let signature = OpSignature(inputs: ["gradients..."], outputs: [])

  /// The bucket's number: buckets are numbered in the order they start.
  public var bucket: Int
  public var gradientCount: Int

  public init(bucket: Int, gradientCount: Int) {
    self.bucket = bucket
    self.gradientCount = gradientCount
  }

  public func validateAttributes() throws(GraphError) {
    try AttributeRules.expect(bucket, in: 0...1 << 20, "the bucket", op: name)
    try AttributeRules.expect(gradientCount, in: 1...1 << 20, "the gradient count", op: name)
  }

  public var name: String { "AllReduceStart" }
  public var attributeSummary: String { "bucket \(bucket), \(gradientCount) gradients" }
  public var fusionClass: FusionClass { .opaque }
  public var family: OpFamily { .optimizer }
  public var effects: [Effect] { [.collective] }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, gradientCount, op: name)
    for input in inputs { try ShapeRules.expectFloat(input, op: name, what: "gradients") }
    return []
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(AllReduceStart.self)
}
