import DLGGraph
import DLGKernels

extension BinaryCrossEntropyLoss: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let rows = binding.inputs[0].dimensions[0]
    let (x, y, loss) = (binding.inputs[0].floats, binding.inputs[1].ints, binding.outputs[0].floats)
    return { _ in loss.pointee = BinaryCrossEntropy.loss(rows: rows, logits: x, labels: y) }
  }
}

extension BinaryCrossEntropyGradient: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let rows = binding.inputs[0].dimensions[0]
    let (x, y, dLoss) = (binding.inputs[0].floats, binding.inputs[1].ints, binding.inputs[2].floats)
    let gradient = binding.outputs[0].floats
    return { _ in
      BinaryCrossEntropy.gradient(
        rows: rows, logits: x, labels: y, scale: dLoss.pointee / Float(rows), gradient: gradient)
    }
  }
}

extension BinaryCorrectCount: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let rows = binding.inputs[0].dimensions[0]
    let (x, y, out) = (binding.inputs[0].floats, binding.inputs[1].ints, binding.outputs[0].floats)
    return { _ in
      out.pointee = Float(BinaryCrossEntropy.correctCount(rows: rows, logits: x, labels: y))
    }
  }
}
