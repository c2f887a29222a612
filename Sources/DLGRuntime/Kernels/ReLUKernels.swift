import DLGGraph
import DLGKernels

extension ReLU: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let count = binding.inputs[0].count
    let (px, py) = (binding.inputs[0].floats, binding.outputs[0].floats)
    return { _ in Elementwise.relu(count: count, x: px, y: py) }
  }
}

extension ReLUGradient: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let count = binding.inputs[0].count
    let (py, pdy, pdx) = (
      binding.inputs[0].floats, binding.inputs[1].floats, binding.outputs[0].floats
    )
    return { _ in Elementwise.reluGradient(count: count, y: py, dy: pdy, dx: pdx) }
  }
}
