/// Rectified linear unit, `max(x, 0)`.
public struct ReLU: UnaryElementwise {
  public static let opType = "ReLU"
  public static let signature = OpSignature(inputs: ["x"])
  public init() {}

  public var name: String { "ReLU" }

  public func inputGradient(x: ValueID, y: ValueID, dy: ValueID, in builder: inout GraphBuilder)
    throws(GraphError) -> ValueID
  {
    // The gradient reads the output, not the input: y > 0 exactly where x > 0, and keeping y
    // alive instead of x lets the planner free x early.
    try builder.add(ReLUGradient(), [y, dy], "dReLU")
  }
}

/// `dx = dy` where the ReLU output is positive, else 0. Inputs: (y, dy).
public struct ReLUGradient: ActivationGradient {
  public static let opType = "ReLUGradient"
  public static let signature = OpSignature(inputs: ["y", "dy"])
  public init() {}

  public var name: String { "ReLUGradient" }
}

extension ReLU: ElementwiseFormula {
  public func formula(_ inputs: [Int], _ program: inout ElementwiseProgram) -> Int {
    program.emit(.relu(inputs[0]))
  }
}

extension ReLUGradient: ElementwiseFormula {
  public func formula(_ inputs: [Int], _ program: inout ElementwiseProgram) -> Int {
    program.emit(.wherePositive(inputs[0], inputs[1]))
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(ReLU.self, ReLUGradient.self)
  ActivationRegistry.register(
    .op("relu", layer: "ReLU", layerAliases: ["Relu"], summary: "max(x, 0)", ReLU()))
}
