import DLGGraph
import DLGKernels

extension Reshape: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    // Storage is shared with the input (see `aliasedInput`); nothing to do at run time.
    { _ in }
  }
}
