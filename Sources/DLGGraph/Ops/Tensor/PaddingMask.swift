/// Which steps of a padded sequence are real: ids `i32[N, T]` to `f32[N, T]`, 1 where the id
/// is not 0 (the padding id) and 0 where it is. `Embedding[..., mask_zero: true]` adds it, and
/// the layers after it read it to skip padded steps.
public struct PaddingMask: NonDifferentiable {
  public static let opType = "PaddingMask"
  public static let signature = OpSignature(inputs: ["ids"])
  public init() {}

  public var fusionClass: FusionClass { .injective }
  public var family: OpFamily { .other }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 1, op: name)
    guard inputs[0].dtype == .int32, inputs[0].rank == 2 else {
      throw GraphError("a padding mask is made from ids i32[N, length], got \(inputs[0])")
    }
    return [TensorType(.float32, inputs[0].shape)]
  }
}

/// Hides padded keys from attention: on scores `[N, ..., Tk]` every entry whose key is padding
/// (mask `[N, Tk]` is 0) becomes `fill`, −∞ so that the softmax after it gives those keys
/// weight 0 (a row whose keys are all padding becomes all zeros). Its gradient passes `dy`
/// where the scores were kept and 0 elsewhere: the same op with fill 0.
public struct MaskKeys: Operator {
  public static let opType = "MaskKeys"
  public static let signature = OpSignature(inputs: ["scores", "mask"])
  public var fill: Float

  public init(fill: Float = -.infinity) { self.fill = fill }

  public var fusionClass: FusionClass { .injective }
  public var family: OpFamily { .other }
  public var inPlaceInput: Int? { 0 }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 2, op: name)
    let (scores, mask) = (inputs[0], inputs[1])
    try ShapeRules.expectFloat(scores, op: name, what: "scores")
    guard scores.rank >= 2, mask.rank == 2, mask.dtype == .float32,
      mask.shape[0] == scores.shape[0], mask.shape[1] == scores.shape.last
    else {
      throw GraphError(
        "a key mask [N, keys] must match the scores' batch and last axis",
        notes: ["scores: \(scores)", "mask: \(mask)"])
    }
    return [scores]
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    guard let dy = outputGradients[0] else { return [nil, nil] }
    return [try builder.add(MaskKeys(fill: 0), [dy, node.inputs[1]], "dMaskKeys"), nil]
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(PaddingMask.self, MaskKeys.self)
}
