/// A matrix product whose only reader is an elementwise loop (a weight gradient feeding its
/// optimizer update), computed block of rows by block of rows, each block consumed by the loop
/// while it is still in cache: the product is never written to memory whole. Inputs: the
/// product's two operands, then the loop's other inputs; outputs: the loop's.
public struct FusedMatMulElementwise: NonDifferentiable {
  public static let opType = "FusedMatMulElementwise"
  public static let signature = OpSignature(inputs: ["a", "b", "x..."])

  public func validateAttributes() throws(GraphError) {
    try loop.validateAttributes()
    try AttributeRules.expect(productSlot, in: 0...1 << 20, "the product slot", op: name)
  }
  public var matMul: MatMul
  public var loop: FusedElementwise
  /// Which of the loop's inputs is the product.
  public var productSlot: Int
  /// The product's name, for diagrams.
  public var productName: String

  public init(matMul: MatMul, loop: FusedElementwise, productSlot: Int, productName: String) {
    self.matMul = matMul
    self.loop = loop
    self.productSlot = productSlot
    self.productName = productName
  }

  public var name: String { "FusedMatMulElementwise" }
  public var attributeSummary: String { "MatMul + " + loop.attributeSummary }
  public var fusionClass: FusionClass { .opaque }
  public var family: OpFamily { loop.family }

  /// Node input index of loop input `slot` (the product is not a node input).
  func nodeInput(_ slot: Int) -> Int { slot < productSlot ? 2 + slot : 1 + slot }

  public var effects: [Effect] {
    loop.program.stores.map { .writesInput(nodeInput($0.input)) }
  }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    _ = try matMul.outputTypes(for: Array(inputs[0..<2]))
    return loop.resultTypes
  }

}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(FusedMatMulElementwise.self)
}
