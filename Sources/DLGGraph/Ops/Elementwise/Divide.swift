/// `a / b`, elementwise.
public struct Divide: BinaryElementwise {
  public static let opType = "Divide"
  public static let signature = OpSignature(inputs: ["a", "b"])
  public init() {}

  public func inputGradients(
    a: ValueID, b: ValueID, y: ValueID, dy: ValueID, in builder: inout GraphBuilder
  ) throws(GraphError) -> (ValueID?, ValueID?) {
    // d(a/b)/da = 1/b; d(a/b)/db = −a/b² = −y/b.
    let da = try builder.add(Divide(), [dy, b], "dA")
    return (
      da, try builder.add(Scale(-1), [try builder.add(Multiply(), [da, y], "dyOverB")], "dB")
    )
  }

  public func formula(_ inputs: [Int], _ program: inout ElementwiseProgram) -> Int {
    program.emit(.divide(inputs[0], inputs[1]))
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(Divide.self)
}
