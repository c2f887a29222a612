import DLGGraph
import DLGKernels

extension GELU: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let (count, x, y) = binding.elementwise
    return { _ in Elementwise.gelu(count: count, x: x, y: y) }
  }
}

extension GELUGradient: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let (count, x, dy, dx) = binding.activationGradient
    return { _ in Elementwise.geluGradient(count: count, x: x, dy: dy, dx: dx) }
  }
}
