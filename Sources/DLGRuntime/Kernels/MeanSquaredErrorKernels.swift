import DLGGraph
import DLGKernels

extension MeanSquaredError: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let count = binding.inputs[0].count
    let (p, t, loss) = (
      binding.inputs[0].floats, binding.inputs[1].floats, binding.outputs[0].floats
    )
    return { _ in loss.pointee = SquaredError.loss(count: count, prediction: p, target: t) }
  }
}

extension MeanSquaredErrorGradient: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let count = binding.inputs[0].count
    let (p, t, dLoss) = (
      binding.inputs[0].floats, binding.inputs[1].floats, binding.inputs[2].floats
    )
    let gradient = binding.outputs[0].floats
    return { _ in
      SquaredError.gradient(
        count: count, prediction: p, target: t, scale: dLoss.pointee, gradient: gradient)
    }
  }
}
