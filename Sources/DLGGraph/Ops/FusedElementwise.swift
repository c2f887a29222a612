/// A group of elementwise ops run as one loop (`ElementwiseProgram`): made by the fusion pass
/// from ops that declare an `ElementwiseFormula`. Inputs: every value the group reads from
/// outside; outputs: the group's values read outside it. Values the group assigns (an
/// optimizer's parameter and moments) are inputs it updates in place.
public struct FusedElementwise: NonDifferentiable {
  public static let opType = "FusedElementwise"
  public static let signature = OpSignature(inputs: ["x..."])

  public func validateAttributes() throws(GraphError) {
    try program.validate(op: name)
    for type in resultTypes { try type.validate(op: name) }
  }
  public var program: ElementwiseProgram
  /// The ops it replaces, in order, for diagrams and `--explain`.
  public var fused: [String]
  public var resultTypes: [TensorType]
  /// An input of the outputs' size, which the first output may overwrite.
  public var overwritableInput: Int?

  public init(
    program: ElementwiseProgram, fused: [String], resultTypes: [TensorType],
    overwritableInput: Int?
  ) {
    self.program = program
    self.fused = fused
    self.resultTypes = resultTypes
    self.overwritableInput = overwritableInput
  }

  public var name: String { "FusedElementwise" }
  /// The ops it fused, in order, repeats counted: `ExponentialAverage ×2 + Multiply + …`.
  public var attributeSummary: String {
    var runs: [(String, Int)] = []
    var seen: [String: Int] = [:]
    for name in fused {
      if let index = seen[name] {
        runs[index].1 += 1
      } else {
        seen[name] = runs.count
        runs.append((name, 1))
      }
    }
    return runs.map { $0.1 > 1 ? "\($0.0) ×\($0.1)" : $0.0 }.joined(separator: " + ")
  }
  public var fusionClass: FusionClass { .elementwise }
  public var family: OpFamily { fused.contains("Assign") ? .optimizer : .activation }
  public var inPlaceInput: Int? { overwritableInput }
  public var effects: [Effect] { program.stores.map { .writesInput($0.input) } }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    resultTypes
  }

}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(FusedElementwise.self)
}
