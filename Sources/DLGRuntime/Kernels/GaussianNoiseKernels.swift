import DLGGraph
import DLGKernels

extension GaussianNoise: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let count = binding.inputs[0].count
    let perSample = count / max(binding.inputs[0].dimensions.first ?? 1, 1)
    let (x, y) = (binding.inputs[0].floats, binding.outputs[0].floats)
    let (deviation, salt) = (deviation, salt)
    return { info in
      if info.training, deviation > 0 {
        Elementwise.gaussianNoise(
          count: count, deviation: deviation, seed: info.randomSeed(salt: salt), x: x, y: y,
          // Exact for samples of an even size; others pair one element across the split.
          firstPair: info.firstSample * perSample / 2)
      } else {
        Elementwise.copy(count: count, from: x, to: y)
      }
    }
  }
}
