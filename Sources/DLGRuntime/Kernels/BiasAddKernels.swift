import DLGGraph
import DLGKernels

extension BiasAdd: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let x = binding.inputs[0]
    let columns = x.dimensions.last ?? 1
    let rows = ShapeRules.rows(x.dimensions)
    let (px, pb, py) = (x.floats, binding.inputs[1].floats, binding.outputs[0].floats)
    return { _ in
      Elementwise.biasActivation(
        rows: rows, columns: columns, x: px, bias: pb, activation: .identity, y: py)
    }
  }
}

extension ColumnSums: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let x = binding.inputs[0]
    let columns = x.dimensions.last ?? 1
    let rows = ShapeRules.rows(x.dimensions)
    let (px, py) = (x.floats, binding.outputs[0].floats)
    return { _ in Elementwise.columnSums(rows: rows, columns: columns, x: px, sums: py) }
  }
}
