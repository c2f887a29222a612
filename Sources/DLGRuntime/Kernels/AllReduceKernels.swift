import DLGGraph
import DLGKernels

// Without a communicator (a plan run by one process) a bucket is already its own sum: both
// kernels do nothing.

extension AllReduceStart: CPUKernel {
  /// A copy of the bucket, never worth the heavy nodes' turn.
  public func splitsAcrossThreads(inputs: [[Int]], outputs: [[Int]]) -> Bool? { false }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let parts = binding.inputs.map { (UnsafePointer($0.floats), $0.count) }
    let bucket = bucket
    return { context in
      context.communicator?.startBucket(bucket, parts: parts, scale: context.gradientShare)
    }
  }
}

extension AllReduceWait: CPUKernel {
  /// Mostly waiting: holding the heavy nodes' turn would stall the backward pass.
  public func splitsAcrossThreads(inputs: [[Int]], outputs: [[Int]]) -> Bool? { false }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let parts = binding.inputs.map { ($0.floats, $0.count) }
    let bucket = bucket
    return { context in context.communicator?.finishBucket(bucket, into: parts) }
  }
}
