import DLGKernels

/// A chain of elementwise ops run as one loop (`ElementwiseProgram`): made by the fusion pass
/// from ops that declare an `ElementwiseFormula`. Inputs: every value the chain reads from
/// outside; output: the chain's last value.
public struct FusedElementwise: NonDifferentiable {
  public var program: ElementwiseProgram
  /// The ops it replaces, in order, for diagrams and `--explain`.
  public var fused: [String]
  public var outputType: TensorType
  /// An input of the output's size, which the output may overwrite.
  public var overwritableInput: Int?

  public init(
    program: ElementwiseProgram, fused: [String], outputType: TensorType, overwritableInput: Int?
  ) {
    self.program = program
    self.fused = fused
    self.outputType = outputType
    self.overwritableInput = overwritableInput
  }

  public var name: String { "FusedElementwise" }
  public var attributeSummary: String { fused.joined(separator: " + ") }
  public var fusionClass: FusionClass { .elementwise }
  public var family: OpFamily { .activation }
  public var inPlaceInput: Int? { overwritableInput }

  public func outputTypes(for inputs: [TensorType]) throws(ShapeError) -> [TensorType] {
    [outputType]
  }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let output = binding.outputs[0]
    let (count, columns) = (output.count, max(output.dimensions.last ?? 1, 1))
    let inputs = binding.inputs.map { UnsafePointer($0.floats) }
    let (program, y) = (program, output.floats)
    return { _ in program.run(count: count, columns: columns, inputs: inputs, output: y) }
  }
}
