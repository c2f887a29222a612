/// The natural logarithm, elementwise.
public struct Log: UnaryElementwise {
  public static let opType = "Log"
  public static let signature = OpSignature(inputs: ["x"])
  public init() {}

  public func inputGradient(x: ValueID, y: ValueID, dy: ValueID, in builder: inout GraphBuilder)
    throws(GraphError) -> ValueID
  {
    try builder.add(Divide(), [dy, x], "dLog")
  }

  public func formula(_ inputs: [Int], _ program: inout ElementwiseProgram) -> Int {
    program.emit(.log(inputs[0]))
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(Log.self)
}
