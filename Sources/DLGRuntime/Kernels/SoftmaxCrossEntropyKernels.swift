import DLGGraph
import DLGKernels

extension SoftmaxCrossEntropy: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let logits = binding.inputs[0]
    let (rows, columns) = (ShapeRules.rows(logits.dimensions), logits.dimensions.last ?? 1)
    let (pl, labels, loss) = (logits.floats, binding.inputs[1].ints, binding.outputs[0].floats)
    return { _ in
      loss.pointee = CrossEntropy.softmaxLoss(
        rows: rows, columns: columns, logits: pl, labels: labels)
    }
  }
}

extension SoftmaxCrossEntropyGradient: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let logits = binding.inputs[0]
    let (rows, columns) = (ShapeRules.rows(logits.dimensions), logits.dimensions.last ?? 1)
    let (pl, labels, dLoss) = (logits.floats, binding.inputs[1].ints, binding.inputs[2].floats)
    let gradient = binding.outputs[0].floats
    return { _ in
      CrossEntropy.softmaxLossGradient(
        rows: rows, columns: columns, logits: pl, labels: labels,
        scale: dLoss.pointee / Float(max(CrossEntropy.labelledRows(rows, labels), 1)),
        gradient: gradient)
    }
  }
}

extension CorrectCount: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let logits = binding.inputs[0]
    let (rows, columns) = (ShapeRules.rows(logits.dimensions), logits.dimensions.last ?? 1)
    let (pl, labels, out) = (logits.floats, binding.inputs[1].ints, binding.outputs[0].floats)
    return { _ in
      out.pointee = Float(
        CrossEntropy.correctCount(rows: rows, columns: columns, logits: pl, labels: labels))
    }
  }
}

extension FusedSoftmaxCrossEntropy: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let logits = binding.inputs[0]
    let (rows, columns) = (ShapeRules.rows(logits.dimensions), logits.dimensions.last ?? 1)
    let (pl, labels, dLoss) = (logits.floats, binding.inputs[1].ints, binding.inputs[2].floats)
    let (loss, gradient) = (binding.outputs[0].floats, binding.outputs[1].floats)
    let correct = countsCorrect ? binding.outputs[2].floats : nil
    return { _ in
      let result = CrossEntropy.lossGradientAndCorrect(
        rows: rows, columns: columns, logits: pl, labels: labels, dLoss: dLoss.pointee,
        gradient: gradient)
      loss.pointee = result.loss
      correct?.pointee = Float(result.correct)
    }
  }
}
