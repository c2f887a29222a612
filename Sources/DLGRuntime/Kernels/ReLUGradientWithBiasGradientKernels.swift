import DLGGraph
import DLGKernels

extension ReLUGradientWithBiasGradient: CPUKernel {
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
