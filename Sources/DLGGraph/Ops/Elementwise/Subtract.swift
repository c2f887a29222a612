/// `a − b`, elementwise.
public struct Subtract: BinaryElementwise {
  public static let opType = "Subtract"
  public static let signature = OpSignature(inputs: ["a", "b"])
  public init() {}

  public func inputGradients(
    a: ValueID, b: ValueID, y: ValueID, dy: ValueID, in builder: inout GraphBuilder
  ) throws(GraphError) -> (ValueID?, ValueID?) {
    (dy, try builder.add(Scale(-1), [dy], "dB"))
  }

  public func formula(_ inputs: [Int], _ program: inout ElementwiseProgram) -> Int {
    program.emit(.subtract(inputs[0], inputs[1]))
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(Subtract.self)
}
