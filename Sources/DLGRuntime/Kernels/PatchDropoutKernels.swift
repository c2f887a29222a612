import DLGGraph
import DLGKernels

extension PatchDropout: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let dimensions = binding.inputs[0].dimensions
    let count = binding.inputs[0].count
    let (x, y, mask) = (
      binding.inputs[0].floats, binding.outputs[0].floats, binding.outputs[1].floats
    )
    let (rate, patchHeight, patchWidth, salt) = (rate, patchHeight, patchWidth, salt)
    return { info in
      guard info.training, rate > 0, dimensions.count == 4 else {
        Elementwise.copy(count: count, from: x, to: y)
        Elementwise.fill(count: count, value: 1, mask)
        return
      }
      let (samples, height, width, channels) = (
        dimensions[0], dimensions[1], dimensions[2], dimensions[3]
      )
      let (rows, columns) = (
        (height + patchHeight - 1) / patchHeight, (width + patchWidth - 1) / patchWidth
      )
      let keep = 1 / (1 - rate)
      let seed = info.randomSeed(salt: salt)
      ThreadBudget.parallelFor(count: samples, minimumChunk: 1) { range in
        for n in range {
          for row in 0..<rows {
            for column in 0..<columns {
              // One draw per patch of each sample, hashed from its index: any split agrees.
              let patch = UInt64(((info.firstSample + n) * rows + row) * columns + column)
              let u = CounterRandom.unit(CounterRandom.bits(seed, patch))
              let m: Float = u >= rate ? keep : 0
              let (left, right) = (column * patchWidth, min((column + 1) * patchWidth, width))
              for h in row * patchHeight..<min((row + 1) * patchHeight, height) {
                let base = ((n * height + h) * width + left) * channels
                for i in base..<base + (right - left) * channels {
                  mask[i] = m
                  y[i] = x[i] * m
                }
              }
            }
          }
        }
      }
    }
  }
}
