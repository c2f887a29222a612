import DLGGraph
import DLGKernels

extension AdamScalars: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let (y, settings) = (binding.outputs[0].floats, settings)
    return { info in
      let (stepSize, epsilonHat, decay) = settings.constants(
        step: info.step, learningRateScale: info.learningRateScale)
      (y[0], y[1], y[2]) = (stepSize, epsilonHat, 1 - decay)
    }
  }
}

extension SGDScalars: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let (y, rate) = (binding.outputs[0].floats, settings.learningRate)
    return { info in y[0] = rate * info.learningRateScale }
  }
}
