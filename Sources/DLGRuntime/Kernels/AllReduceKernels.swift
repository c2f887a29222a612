import DLGGraph
import DLGKernels

// Without a communicator (a plan run by one process) a bucket is already its own sum: both
// kernels do nothing.

extension AllReduceStart: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let parts = binding.inputs.map { (UnsafePointer($0.floats), $0.count) }
    let bucket = bucket
    return { context in
      context.communicator?.startBucket(bucket, parts: parts, scale: context.gradientShare)
    }
  }
}

extension AllReduceWait: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let parts = binding.inputs.map { ($0.floats, $0.count) }
    let bucket = bucket
    return { context in context.communicator?.finishBucket(bucket, into: parts) }
  }
}
