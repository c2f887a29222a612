import DLGGraph
import DLGKernels

extension ClipByGlobalNorm: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let gradients = binding.inputs.map { (pointer: $0.floats, count: $0.count) }
    let maxNorm = maxNorm
    return { _ in OptimizerKernels.clipByGlobalNorm(gradients, maxNorm: maxNorm) }
  }
}
