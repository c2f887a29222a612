import DLGGraph
import DLGKernels

extension SmoothActivation: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let count = binding.inputs[0].count
    let (x, y, kind) = (binding.inputs[0].floats, binding.outputs[0].floats, kind)
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
    let count = binding.inputs[0].count
    let (y, dy) = (binding.inputs[0].floats, binding.inputs[1].floats)
    let (dx, kind) = (binding.outputs[0].floats, kind)
    return { _ in
      switch kind {
      case .sigmoid: Elementwise.sigmoidGradient(count: count, y: y, dy: dy, dx: dx)
      case .tanh: Elementwise.tanhGradient(count: count, y: y, dy: dy, dx: dx)
      }
    }
  }
}
