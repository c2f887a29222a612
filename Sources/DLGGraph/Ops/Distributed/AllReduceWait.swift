/// Ends one bucket's sum over the processes of a data-parallel run: waits until the
/// communication thread has it, and writes it over the gradients in place, so each
/// parameter's update waits only for its own bucket. Inputs: the bucket's gradients, as
/// `AllReduceStart` of the same bucket read them; no outputs.
///
/// A wait does not communicate (the communication thread does), so it is not a collective:
/// waits may run in any order once their starts have run.
public struct AllReduceWait: NonDifferentiable {
  public static let opType = "AllReduceWait"
  public static let signature = OpSignature(inputs: ["gradients..."], outputs: [])

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

  public var name: String { "AllReduceWait" }
  public var attributeSummary: String { "bucket \(bucket), \(gradientCount) gradients" }
  public var fusionClass: FusionClass { .opaque }
  public var family: OpFamily { .optimizer }
  public var effects: [Effect] { (0..<gradientCount).map { .writesInput($0) } }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, gradientCount, op: name)
    for input in inputs { try ShapeRules.expectFloat(input, op: name, what: "gradients") }
    return []
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(AllReduceWait.self)
}
