import DLGGraph
import DLGKernels

extension Softmax: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let x = binding.inputs[0]
    let columns = x.dimensions.last ?? 1
    let rows = ShapeRules.rows(x.dimensions)
    let (px, py) = (x.floats, binding.outputs[0].floats)
    return { _ in RowSoftmax.forward(rows: rows, columns: columns, logits: px, probabilities: py) }
  }
}

extension SoftmaxGradient: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let y = binding.inputs[0]
    let columns = y.dimensions.last ?? 1
    let rows = ShapeRules.rows(y.dimensions)
    let (py, pdy, pdx) = (y.floats, binding.inputs[1].floats, binding.outputs[0].floats)
    return { _ in
      RowSoftmax.backward(
        rows: rows, columns: columns, probabilities: py, outputGradient: pdy, inputGradient: pdx)
    }
  }
}
