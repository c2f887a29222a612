/// The steps of optimizer updates that are not general arithmetic (moving averages, per-step
/// scalars, assignment): each op is its formula; unfused it runs as a loop of its own, and the
/// fusion pass merges a whole update (with the `Subtract`, `Divide` and `SquareRoot` it also
/// uses) into one loop. None is differentiated: they only appear after the backward pass.
public protocol OptimizerArithmetic: NonDifferentiable, ElementwiseFormula {}

extension OptimizerArithmetic {
  public var fusionClass: FusionClass { .elementwise }
  public var family: OpFamily { .optimizer }
  public var inPlaceInput: Int? { 0 }

  /// Two inputs of one shape, by default.
  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.samePair(inputs, op: name)
  }
}

/// `a + c · b` for a constant c (weight decay added to a gradient, momentum to a velocity).
public struct AddScaled: OptimizerArithmetic {
  public static let opType = "AddScaled"
  public static let signature = OpSignature(inputs: ["a", "b"])
  public var factor: Float
  public init(_ factor: Float) { self.factor = factor }
  public var name: String { "AddScaled" }
  public var attributeSummary: String { "× \(factor)" }
  public func formula(_ inputs: [Int], _ program: inout ElementwiseProgram) -> Int {
    program.emit(.affine(inputs[0], inputs[1], 1, factor))
  }
}

/// `decay · average + (1 − decay) · x`: a moving average (Adam's moments).
public struct ExponentialAverage: OptimizerArithmetic {
  public static let opType = "ExponentialAverage"
  public static let signature = OpSignature(inputs: ["average", "x"])
  public var decay: Float
  public init(decay: Float) { self.decay = decay }
  public var name: String { "ExponentialAverage" }
  public var attributeSummary: String { "decay \(decay)" }
  public func formula(_ inputs: [Int], _ program: inout ElementwiseProgram) -> Int {
    program.emit(.affine(inputs[0], inputs[1], decay, 1 - decay))
  }
}

/// `x + s[index]` for a small tensor `s` of per-step values.
public struct AddScalar: OptimizerArithmetic {
  public static let opType = "AddScalar"
  public static let signature = OpSignature(inputs: ["x", "scalars"])

  public func validateAttributes() throws(GraphError) {
    try AttributeRules.expect(index, in: 0...1 << 20, "the scalar index", op: name)
  }
  public var index: Int
  public init(index: Int) { self.index = index }
  public var name: String { "AddScalar" }
  public var attributeSummary: String { "element \(index)" }

  public func inputKind(_ slot: Int) -> ElementwiseInputKind {
    slot == 1 ? .scalar(index: index) : .elementwise
  }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 2, op: name)
    guard inputs[1].elementsPerItem > index, !inputs[1].isBatched else {
      throw GraphError("\(name) reads element \(index) of \(inputs[1])")
    }
    return [inputs[0]]
  }

  public func formula(_ inputs: [Int], _ program: inout ElementwiseProgram) -> Int {
    program.emit(.add(inputs[0], inputs[1]))
  }
}

/// `x · s[index]` for a small tensor `s` of per-step values (a scheduled learning rate).
public struct MultiplyByScalar: OptimizerArithmetic {
  public static let opType = "MultiplyByScalar"
  public static let signature = OpSignature(inputs: ["x", "scalars"])

  public func validateAttributes() throws(GraphError) {
    try AttributeRules.expect(index, in: 0...1 << 20, "the scalar index", op: name)
  }
  public var index: Int
  public init(index: Int) { self.index = index }
  public var name: String { "MultiplyByScalar" }
  public var attributeSummary: String { "element \(index)" }

  public func inputKind(_ slot: Int) -> ElementwiseInputKind {
    slot == 1 ? .scalar(index: index) : .elementwise
  }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try AddScalar(index: index).outputTypes(for: inputs)
  }

  public func formula(_ inputs: [Int], _ program: inout ElementwiseProgram) -> Int {
    program.emit(.multiply(inputs[0], inputs[1]))
  }
}

/// Overwrites persistent state with a new value: the last step of an optimizer update
/// (`parameter ← updated`). Inputs: (target, value); no outputs.
public struct Assign: OptimizerArithmetic {
  public static let opType = "Assign"
  public static let signature = OpSignature(inputs: ["target", "value"])
  public init() {}
  public var name: String { "Assign" }
  public var effects: [Effect] { [.writesInput(0)] }
  public var storeTarget: Int? { 0 }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 2, op: name)
    try ShapeRules.expectSameShape(inputs[0], inputs[1], op: name)
    return []
  }

  public func formula(_ inputs: [Int], _ program: inout ElementwiseProgram) -> Int { inputs[1] }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(
    AddScaled.self, ExponentialAverage.self, AddScalar.self, MultiplyByScalar.self, Assign.self)
}
