/// `c · x` for a constant `c` (a negation when `c` is −1).
public struct Scale: UnaryElementwise {
  public static let opType = "Scale"
  public static let signature = OpSignature(inputs: ["x"])
  public var factor: Float

  public init(_ factor: Float) { self.factor = factor }

  public var attributeSummary: String { "× \(factor)" }
  public var family: OpFamily { .other }

  public func inputGradient(x: ValueID, y: ValueID, dy: ValueID, in builder: inout GraphBuilder)
    throws(GraphError) -> ValueID
  {
    try builder.add(Scale(factor), [dy], "dScale")
  }

  public func formula(_ inputs: [Int], _ program: inout ElementwiseProgram) -> Int {
    program.emit(.multiply(inputs[0], program.emit(.constant(factor))))
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(Scale.self)
}
