/// Sigmoid or tanh, elementwise; the gradient reads the output.
public struct SmoothActivation: UnaryElementwise {
  public static let opType = "SmoothActivation"
  public static let signature = OpSignature(inputs: ["x"])
  public enum Kind: String, Sendable, Hashable, Codable {
    case sigmoid = "Sigmoid"
    case tanh = "Tanh"
  }

  public var kind: Kind

  public init(_ kind: Kind) { self.kind = kind }

  public var name: String { kind.rawValue }

  public func inputGradient(x: ValueID, y: ValueID, dy: ValueID, in builder: inout GraphBuilder)
    throws(GraphError) -> ValueID
  {
    try builder.add(SmoothActivationGradient(kind), [y, dy], "d\(name)")
  }
}

/// The gradient of a smooth activation from its output. Inputs: (y, dy); output: dx.
public struct SmoothActivationGradient: ActivationGradient {
  public static let opType = "SmoothActivationGradient"
  public static let signature = OpSignature(inputs: ["y", "dy"])
  public var kind: SmoothActivation.Kind

  public init(_ kind: SmoothActivation.Kind) { self.kind = kind }

  public var name: String { kind.rawValue + "Gradient" }
}

extension SmoothActivation: ElementwiseFormula {
  public func formula(_ inputs: [Int], _ program: inout ElementwiseProgram) -> Int {
    program.emit(kind == .sigmoid ? .sigmoid(inputs[0]) : .tanh(inputs[0]))
  }
}

extension SmoothActivationGradient: ElementwiseFormula {
  /// From the activation's output y: sigmoid dy · y · (1 − y), tanh dy · (1 − y²).
  public func formula(_ inputs: [Int], _ program: inout ElementwiseProgram) -> Int {
    let (y, dy) = (inputs[0], inputs[1])
    let one = program.emit(.constant(1))
    let slope =
      kind == .sigmoid
      ? program.emit(.multiply(y, program.emit(.subtract(one, y))))
      : program.emit(.subtract(one, program.emit(.multiply(y, y))))
    return program.emit(.multiply(dy, slope))
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(SmoothActivation.self, SmoothActivationGradient.self)
  ActivationRegistry.register(
    .op("sigmoid", layer: "Sigmoid", summary: "1 / (1 + e^−x)", SmoothActivation(.sigmoid)))
  ActivationRegistry.register(
    .op("tanh", layer: "Tanh", summary: "the hyperbolic tangent", SmoothActivation(.tanh)))
}
