import DLGKernels

/// The ReLU gradient and the following bias gradient in one pass over memory:
/// `dx = dy · (y > 0)` and `dBias = Σ_rows dx`. Inputs: (y, dy); outputs: (dx, dBias).
public struct ReLUGradientWithBiasGradient: NonDifferentiable {
  public init() {}

  public var name: String { "ReLUGradientWithBiasGradient" }
  public var inPlaceInput: Int? { 1 }
  public var attributeSummary: String { "ReLUGradient + ColumnSums" }
  public var fusionClass: FusionClass { .reduction }
  public var family: OpFamily { .activation }

  public func outputTypes(for inputs: [TensorType]) throws(ShapeError) -> [TensorType] {
    let dx = try ReLUGradient().outputTypes(for: inputs)[0]
    return [dx] + (try ColumnSums().outputTypes(for: [dx]))
  }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let dims = binding.inputs[0].dimensions
    let columns = dims.last ?? 1
    let rows = ShapeRules.rows(dims)
    let (y, dy) = (binding.inputs[0].floats, binding.inputs[1].floats)
    let (dx, sums) = (binding.outputs[0].floats, binding.outputs[1].floats)
    return { _ in
      Elementwise.reluGradientWithColumnSums(
        rows: rows, columns: columns, y: y, dy: dy, dx: dx, sums: sums)
    }
  }
}
