/// The predicted class of each row of logits `[N, C]` as f32 `[N]`: the arg-max, or for a
/// single logit `[N, 1]` whether it is positive. Feeds precision, recall and the confusion
/// matrix.
public struct PredictedClass: NonDifferentiable {
  public static let opType = "PredictedClass"
  public static let signature = OpSignature(inputs: ["logits"])
  public init() {}

  public var name: String { "PredictedClass" }
  public var fusionClass: FusionClass { .reduction }
  public var family: OpFamily { .metric }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 1, op: name)
    guard inputs[0].rank == 2 else {
      throw GraphError("PredictedClass expects logits [N, classes], got \(inputs[0])")
    }
    return [TensorType(.float32, [inputs[0].shape[0]])]
  }

}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(PredictedClass.self)
}
