import DLGGraph
import DLGKernels

extension GELU: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let count = binding.inputs[0].count
    let (x, y) = (binding.inputs[0].floats, binding.outputs[0].floats)
    return { _ in Elementwise.gelu(count: count, x: x, y: y) }
  }
}

extension GELUGradient: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let count = binding.inputs[0].count
    let (x, dy, dx) = (
      binding.inputs[0].floats, binding.inputs[1].floats, binding.outputs[0].floats
    )
    return { _ in Elementwise.geluGradient(count: count, x: x, dy: dy, dx: dx) }
  }
}
