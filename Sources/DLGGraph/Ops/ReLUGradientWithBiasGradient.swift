/// The ReLU gradient and the following bias gradient in one pass over memory:
/// `dx = dy · (y > 0)` and `dBias = Σ_rows dx`. Inputs: (y, dy); outputs: (dx, dBias).
public struct ReLUGradientWithBiasGradient: NonDifferentiable {
  public static let opType = "ReLUGradientWithBiasGradient"
  public static let signature = OpSignature(inputs: ["y", "dy"])
  public init() {}

  public var name: String { "ReLUGradientWithBiasGradient" }
  public var inPlaceInput: Int? { 1 }
  public var attributeSummary: String { "ReLUGradient + ColumnSums" }
  public var fusionClass: FusionClass { .reduction }
  public var family: OpFamily { .activation }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    let dx = try ReLUGradient().outputTypes(for: inputs)[0]
    return [dx] + (try ColumnSums().outputTypes(for: [dx]))
  }

}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(ReLUGradientWithBiasGradient.self)
}
