import DLGGraph
import DLGKernels

extension Dropout: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let count = binding.inputs[0].count
    let perSample = count / max(binding.inputs[0].dimensions.first ?? 1, 1)
    let (x, y, mask) = (
      binding.inputs[0].floats, binding.outputs[0].floats, binding.outputs[1].floats
    )
    let (rate, salt) = (rate, salt)
    return { info in
      if info.training, rate > 0 {
        Elementwise.dropout(
          count: count, rate: rate, seed: info.randomSeed(salt: salt),
          x: x, y: y, mask: mask, firstElement: info.firstSample * perSample)
      } else {
        Elementwise.copy(count: count, from: x, to: y)
        Elementwise.fill(count: count, value: 1, mask)
      }
    }
  }
}
