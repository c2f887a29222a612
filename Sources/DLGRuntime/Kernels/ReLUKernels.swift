import DLGGraph
import DLGKernels

extension ReLU: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let (count, x, y) = binding.elementwise
    return { _ in Elementwise.relu(count: count, x: x, y: y) }
  }
}

extension ReLUGradient: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let (count, y, dy, dx) = binding.activationGradient
    return { _ in Elementwise.reluGradient(count: count, y: y, dy: dy, dx: dx) }
  }
}
