/// `√x`, elementwise.
public struct SquareRoot: UnaryElementwise {
  public static let opType = "SquareRoot"
  public static let signature = OpSignature(inputs: ["x"])
  public init() {}

  public func inputGradient(x: ValueID, y: ValueID, dy: ValueID, in builder: inout GraphBuilder)
    throws(GraphError) -> ValueID
  {
    // d√x/dx = 1 / (2√x), from the output.
    try builder.add(Scale(0.5), [try builder.add(Divide(), [dy, y], "dyOverY")], "dSquareRoot")
  }

  public func formula(_ inputs: [Int], _ program: inout ElementwiseProgram) -> Int {
    program.emit(.squareRoot(inputs[0]))
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(SquareRoot.self)
}
