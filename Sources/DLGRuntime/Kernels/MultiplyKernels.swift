import DLGGraph
import DLGKernels

extension Multiply: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let count = binding.outputs[0].count
    let (a, b, y) = (binding.inputs[0].floats, binding.inputs[1].floats, binding.outputs[0].floats)
    return { _ in Elementwise.multiply(count: count, a, b, y) }
  }
}
