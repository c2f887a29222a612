import DLGGraph
import DLGKernels

extension Standardize: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let dims = binding.inputs[0].dimensions
    let channels = dims.last ?? 1
    let rows = ShapeRules.rows(dims)
    let (x, mean, variance, y) = (
      binding.inputs[0].floats, binding.inputs[1].floats, binding.inputs[2].floats,
      binding.outputs[0].floats
    )
    let (epsilon, centered) = (epsilon, centered)
    return { _ in
      withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * channels) { stats in
        let (shift, invStd) = (stats.baseAddress!, stats.baseAddress! + channels)
        for c in 0..<channels {
          shift[c] = centered ? mean[c] : 0
          invStd[c] = 1 / (variance[c] + epsilon).squareRoot()
        }
        BatchNormalization.standardize(
          rows: rows, channels: channels, x: x, shift: shift, invStd: invStd, y: y)
      }
    }
  }
}
