/// Dropout of whole image patches: while training, the `[N, H, W, C]` input is cut into a
/// grid of `patchHeight × patchWidth` patches and each patch of each sample is zeroed (all
/// its channels) with probability `rate`, the rest scaled by 1/(1−rate); in evaluation it
/// passes values through. The masking of masked-autoencoder pre-training (He et al., 2022),
/// which must redraw whole missing parts rather than single pixels. Outputs: (y, mask).
public struct PatchDropout: Operator {
  public static let opType = "PatchDropout"
  public static let signature = OpSignature(inputs: ["x"], outputs: ["y", "mask"])

  public func validateAttributes() throws(GraphError) {
    try AttributeRules.expect(rate, in: 0...0.999_999, "the rate", op: name)
    try AttributeRules.expect(
      patchHeight, in: 1...AttributeRules.maximumExtent, "a patch side", op: name)
    try AttributeRules.expect(
      patchWidth, in: 1...AttributeRules.maximumExtent, "a patch side", op: name)
  }
  public var rate: Float
  public var patchHeight: Int
  public var patchWidth: Int
  /// Distinguishes the masks of different layers in the same step.
  public var salt: UInt64

  public init(rate: Float, patchHeight: Int, patchWidth: Int, salt: UInt64) {
    self.rate = rate
    self.patchHeight = patchHeight
    self.patchWidth = patchWidth
    self.salt = salt
  }

  public var name: String { "PatchDropout" }
  public var attributeSummary: String { "rate \(rate), patch \(patchHeight)x\(patchWidth)" }
  public var fusionClass: FusionClass { .opaque }
  public var family: OpFamily { .other }
  /// Masks are drawn afresh each training step; evaluation passes values through.
  public var effects: [Effect] { [.random, .dependsOnMode] }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 1, op: name)
    try ShapeRules.expectFloat(inputs[0], op: name, what: "input")
    guard inputs[0].rank == 4 else {
      throw GraphError(
        "\(name) drops patches of images [N, height, width, channels], got \(inputs[0])")
    }
    return [inputs[0], inputs[0]]
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    guard let dy = outputGradients[0] else { return [nil] }
    return [try builder.add(Multiply(), [dy, node.outputs[1]], "dPatchDropout")]
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(PatchDropout.self)
}
