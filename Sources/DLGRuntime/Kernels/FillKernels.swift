import DLGGraph
import DLGKernels

extension Fill: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let output = binding.outputs[0]
    let (count, pointer, value) = (output.count, output.floats, value)
    return { _ in Elementwise.fill(count: count, value: value, pointer) }
  }
}
