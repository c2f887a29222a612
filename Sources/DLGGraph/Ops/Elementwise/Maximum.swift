/// The larger of `a` and `b`, elementwise; a tie counts as `a` (its gradient goes to `a`).
public struct Maximum: BinaryElementwise {
  public static let opType = "Maximum"
  public static let signature = OpSignature(inputs: ["a", "b"])
  public init() {}

  public func inputGradients(
    a: ValueID, b: ValueID, y: ValueID, dy: ValueID, in builder: inout GraphBuilder
  ) throws(GraphError) -> (ValueID?, ValueID?) {
    // The gradient goes to whichever input is the maximum.
    let bWins = try builder.add(Greater(), [b, a], "bWins")
    let db = try builder.add(Multiply(), [dy, bWins], "dB")
    return (try builder.add(Subtract(), [dy, db], "dA"), db)
  }

  public func formula(_ inputs: [Int], _ program: inout ElementwiseProgram) -> Int {
    program.emit(.maximum(inputs[0], inputs[1]))
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(Maximum.self)
}
