import DLGGraph
import DLGKernels

extension SmoothActivation: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let (count, x, y) = binding.elementwise
    let kind = kind
    return { _ in
      switch kind {
      case .sigmoid: Elementwise.sigmoid(count: count, x: x, y: y)
      case .tanh: Elementwise.tanh(count: count, x: x, y: y)
      }
    }
  }
}

extension SmoothActivationGradient: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let (count, y, dy, dx) = binding.activationGradient
    let kind = kind
    return { _ in
      switch kind {
      case .sigmoid: Elementwise.sigmoidGradient(count: count, y: y, dy: dy, dx: dx)
      case .tanh: Elementwise.tanhGradient(count: count, y: y, dy: dy, dx: dx)
      }
    }
  }
}
