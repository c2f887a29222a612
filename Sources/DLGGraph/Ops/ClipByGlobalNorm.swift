/// Gradient clipping by global norm: when the norm of all parameter gradients taken as one
/// vector exceeds `maxNorm`, every gradient is scaled down by the same factor, in place, before
/// the optimizer reads them. Inputs: the gradients; no outputs.
public struct ClipByGlobalNorm: NonDifferentiable {
  public static let opType = "ClipByGlobalNorm"
  public static let signature = OpSignature(inputs: ["gradients..."])

  public func validateAttributes() throws(GraphError) {
    try AttributeRules.expect(gradientCount, in: 0...1 << 20, "the gradient count", op: name)
    try AttributeRules.expect(maxNorm, in: 0...Float.greatestFiniteMagnitude, "the norm", op: name)
  }
  public var maxNorm: Float
  public var gradientCount: Int

  public init(maxNorm: Float, gradientCount: Int) {
    self.maxNorm = maxNorm
    self.gradientCount = gradientCount
  }

  public var name: String { "ClipByGlobalNorm" }
  public var attributeSummary: String { "max norm \(maxNorm), \(gradientCount) gradients" }
  public var fusionClass: FusionClass { .reduction }
  public var family: OpFamily { .optimizer }
  public var effects: [Effect] { (0..<gradientCount).map { .writesInput($0) } }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, gradientCount, op: name)
    for input in inputs { try ShapeRules.expectFloat(input, op: name, what: "gradients") }
    return []
  }
}

/// `clip_norm` in a train section: every gradient scaled in place so that their global norm is
/// at most `maxNorm`.
public struct ClipGradientsByGlobalNorm: GradientTransform {
  public var maxNorm: Float

  public init(maxNorm: Float) { self.maxNorm = maxNorm }

  public func apply(
    to gradients: [(parameter: ValueID, gradient: ValueID)], in graph: inout Graph
  ) throws(GraphError) -> [ValueID] {
    let values = gradients.map(\.gradient)
    guard !values.isEmpty else { return values }
    try graph.apply(
      ClipByGlobalNorm(maxNorm: maxNorm, gradientCount: values.count), values, name: "update/clip")
    return values
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(ClipByGlobalNorm.self)
}
