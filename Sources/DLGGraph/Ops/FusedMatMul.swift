/// The activation a fused product applies to its result while it is in cache.
public enum FusedActivation: String, Sendable, Hashable, Codable {
  case identity
  case relu
}

/// `act(op(A) · op(B) + bias)` in one node: the bias and activation run on the product while
/// it is still in cache. Made by the fusion pass from MatMul → BiasAdd → ReLU.
public struct FusedMatMul: NonDifferentiable {
  public static let opType = "FusedMatMul"
  public static let signature = OpSignature(inputs: ["a", "b", "bias"])
  public var matMul: MatMul
  public var activation: FusedActivation

  public init(_ matMul: MatMul, activation: FusedActivation) {
    self.matMul = matMul
    self.activation = activation
  }

  public var name: String { "FusedMatMul" }
  public var attributeSummary: String {
    "MatMul + BiasAdd" + (activation == .relu ? " + ReLU" : "")
  }
  public var fusionClass: FusionClass { .opaque }
  public var family: OpFamily { .dense }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 3, op: name)
    let product = try matMul.outputTypes(for: Array(inputs[0..<2]))
    return try BiasAdd().outputTypes(for: [product[0], inputs[2]])
  }

}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(FusedMatMul.self)
}
