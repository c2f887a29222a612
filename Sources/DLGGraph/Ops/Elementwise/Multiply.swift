/// Elementwise product of two tensors of the same shape.
public struct Multiply: BinaryElementwise {
  public static let opType = "Multiply"
  public static let signature = OpSignature(inputs: ["a", "b"])
  public init() {}

  public func inputGradients(
    a: ValueID, b: ValueID, y: ValueID, dy: ValueID, in builder: inout GraphBuilder
  ) throws(GraphError) -> (ValueID?, ValueID?) {
    (try builder.add(Multiply(), [dy, b], "dA"), try builder.add(Multiply(), [dy, a], "dB"))
  }

  public func formula(_ inputs: [Int], _ program: inout ElementwiseProgram) -> Int {
    program.emit(.multiply(inputs[0], inputs[1]))
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(Multiply.self)
}
