/// `eˣ`, elementwise.
public struct Exp: UnaryElementwise {
  public static let opType = "Exp"
  public static let signature = OpSignature(inputs: ["x"])
  public init() {}

  public func inputGradient(x: ValueID, y: ValueID, dy: ValueID, in builder: inout GraphBuilder)
    throws(GraphError) -> ValueID
  {
    try builder.add(Multiply(), [dy, y], "dExp")
  }

  public func formula(_ inputs: [Int], _ program: inout ElementwiseProgram) -> Int {
    program.emit(.exp(inputs[0]))
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(Exp.self)
}
