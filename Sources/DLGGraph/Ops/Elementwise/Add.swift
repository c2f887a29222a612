/// Elementwise sum of two tensors of the same shape (residual connections, and the sum of the
/// gradients of a value read by several nodes).
public struct Add: BinaryElementwise {
  public static let opType = "Add"
  public static let signature = OpSignature(inputs: ["a", "b"])
  public init() {}

  public func inputGradients(
    a: ValueID, b: ValueID, y: ValueID, dy: ValueID, in builder: inout GraphBuilder
  ) throws(GraphError) -> (ValueID?, ValueID?) {
    (dy, dy)
  }

  public func formula(_ inputs: [Int], _ program: inout ElementwiseProgram) -> Int {
    program.emit(.add(inputs[0], inputs[1]))
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(Add.self)
}
