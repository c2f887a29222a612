import DLGGraph
import DLGKernels

extension BatchNorm: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let dims = binding.inputs[0].dimensions
    let channels = dims.last ?? 1
    let rows = ShapeRules.rows(dims)
    let (x, gamma, beta) = (
      binding.inputs[0].floats, binding.inputs[1].floats, binding.inputs[2].floats
    )
    let (runningMean, runningVariance) = (binding.inputs[3].floats, binding.inputs[4].floats)
    let (y, mean, invStd) = (
      binding.outputs[0].floats, binding.outputs[1].floats, binding.outputs[2].floats
    )
    let (epsilon, momentum, frozen) = (epsilon, momentum, usesRunningStatistics)
    return { info in
      if info.training, !frozen {
        // invStd holds the batch variance until it is turned into 1/sqrt(var + ε).
        BatchNormalization.moments(
          rows: rows, channels: channels, x: x, mean: mean, variance: invStd)
        let unbiased = Float(rows) / Float(max(rows - 1, 1))
        for c in 0..<channels {
          runningMean[c] = (1 - momentum) * runningMean[c] + momentum * mean[c]
          runningVariance[c] =
            (1 - momentum) * runningVariance[c] + momentum * invStd[c] * unbiased
          invStd[c] = 1 / (invStd[c] + epsilon).squareRoot()
        }
      } else {
        for c in 0..<channels {
          mean[c] = runningMean[c]
          invStd[c] = 1 / (runningVariance[c] + epsilon).squareRoot()
        }
      }
      BatchNormalization.normalize(
        rows: rows, channels: channels, x: x, mean: mean, invStd: invStd, gamma: gamma,
        beta: beta, y: y)
    }
  }
}

extension BatchNormGradient: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let dims = binding.inputs[0].dimensions
    let channels = dims.last ?? 1
    let rows = ShapeRules.rows(dims)
    let (x, dy, gamma, mean, invStd) = (
      binding.inputs[0].floats, binding.inputs[1].floats, binding.inputs[2].floats,
      binding.inputs[3].floats, binding.inputs[4].floats
    )
    let (dx, dGamma, dBeta) = (
      binding.outputs[0].floats, binding.outputs[1].floats, binding.outputs[2].floats
    )
    if usesRunningStatistics {
      return { _ in
        BatchNormalization.backwardWithFixedStatistics(
          rows: rows, channels: channels, x: x, dy: dy, gamma: gamma, mean: mean, invStd: invStd,
          dx: dx, dGamma: dGamma, dBeta: dBeta)
      }
    }
    return { _ in
      BatchNormalization.backward(
        rows: rows, channels: channels, x: x, dy: dy, gamma: gamma, mean: mean, invStd: invStd,
        dx: dx, dGamma: dGamma, dBeta: dBeta)
    }
  }
}
