import DLGGraph
import DLGKernels

extension AdamScalars: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let (y, settings, multiplier) = (binding.outputs[0].floats, settings, learningRateMultiplier)
    return { info in
      let (stepSize, epsilonHat, decay) = settings.constants(
        step: info.step, learningRateScale: info.learningRateScale * multiplier)
      (y[0], y[1], y[2]) = (stepSize, epsilonHat, 1 - decay)
    }
  }
}

extension SGDScalars: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let (y, rate) = (binding.outputs[0].floats, settings.learningRate * learningRateMultiplier)
    return { info in y[0] = rate * info.learningRateScale }
  }
}
