import DLGKernels

/// A group of elementwise ops run as one loop (`ElementwiseProgram`): made by the fusion pass
/// from ops that declare an `ElementwiseFormula`. Inputs: every value the group reads from
/// outside; outputs: the group's values read outside it. Values the group assigns (an
/// optimizer's parameter and moments) are inputs it updates in place.
public struct FusedElementwise: NonDifferentiable {
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
  public var mutatedInputs: [Int] { program.stores.map(\.input) }

  public func outputTypes(for inputs: [TensorType]) throws(ShapeError) -> [TensorType] {
    resultTypes
  }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    // The loop runs over the outputs, or, for a group that only assigns, over what it assigns.
    let loop = binding.outputs.first ?? binding.inputs[program.stores[0].input]
    let (count, columns) = (loop.count, max(loop.dimensions.last ?? 1, 1))
    let inputs = binding.inputs.map { UnsafePointer($0.floats) }
    let outputs = binding.outputs.map(\.floats)
    let program = program
    return { _ in program.run(count: count, columns: columns, inputs: inputs, outputs: outputs) }
  }
}
