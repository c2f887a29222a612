/// The Gaussian error linear unit, tanh form; its gradient reads the input.
public struct GELU: UnaryElementwise {
  public static let opType = "GELU"
  public static let signature = OpSignature(inputs: ["x"])
  public init() {}

  public var name: String { "GELU" }

  public func inputGradient(x: ValueID, y: ValueID, dy: ValueID, in builder: inout GraphBuilder)
    throws(GraphError) -> ValueID
  {
    try builder.add(GELUGradient(), [x, dy], "dGELU")
  }

  /// Not in place: the gradient reads the input, and plans stay as they were.
  public var inPlaceInput: Int? { nil }
}

/// Inputs: (x, dy); output dx.
public struct GELUGradient: ActivationGradient {
  public static let opType = "GELUGradient"
  public static let signature = OpSignature(inputs: ["x", "dy"])
  public init() {}

  public var name: String { "GELUGradient" }
}

extension GELU: ElementwiseFormula {
  /// ½ x (1 + tanh(c (x + 0.044715 x³))).
  public func formula(_ inputs: [Int], _ program: inout ElementwiseProgram) -> Int {
    let x = inputs[0]
    let t = GELU.inner(x, &program)
    let one = program.emit(.constant(1))
    let half = program.emit(.constant(0.5))
    return program.emit(
      .multiply(program.emit(.multiply(half, x)), program.emit(.add(one, t))))
  }

  /// tanh(c (x + 0.044715 x³)).
  static func inner(_ x: Int, _ program: inout ElementwiseProgram) -> Int {
    let cube = program.emit(.multiply(x, program.emit(.multiply(x, x))))
    let scaled = program.emit(.multiply(program.emit(.constant(0.044715)), cube))
    let argument = program.emit(
      .multiply(program.emit(.constant(0.797_884_6)), program.emit(.add(x, scaled))))
    return program.emit(.tanh(argument))
  }
}

extension GELUGradient: ElementwiseFormula {
  /// dy · (½ (1 + t) + ½ x (1 − t²) c (1 + 3 · 0.044715 x²)), t as in GELU; inputs (x, dy).
  public func formula(_ inputs: [Int], _ program: inout ElementwiseProgram) -> Int {
    let (x, dy) = (inputs[0], inputs[1])
    let t = GELU.inner(x, &program)
    let one = program.emit(.constant(1))
    let half = program.emit(.constant(0.5))
    let left = program.emit(.multiply(half, program.emit(.add(one, t))))
    let square = program.emit(.multiply(x, x))
    let polynomial = program.emit(
      .add(one, program.emit(.multiply(program.emit(.constant(3 * 0.044715)), square))))
    let sech = program.emit(.subtract(one, program.emit(.multiply(t, t))))
    let right = program.emit(
      .multiply(
        program.emit(.multiply(program.emit(.multiply(half, x)), sech)),
        program.emit(.multiply(program.emit(.constant(0.797_884_6)), polynomial))))
    return program.emit(.multiply(dy, program.emit(.add(left, right))))
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(GELU.self, GELUGradient.self)
  ActivationRegistry.register(
    .op(
      "gelu", layer: "GELU", layerAliases: ["Gelu"],
      summary: "the Gaussian error linear unit, tanh form (Hendrycks & Gimpel, 2016)", GELU()))
}
