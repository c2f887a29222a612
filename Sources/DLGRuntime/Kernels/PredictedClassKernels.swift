import DLGGraph
import DLGKernels

extension PredictedClass: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let logits = binding.inputs[0]
    let (rows, columns) = (logits.dimensions[0], logits.dimensions[1])
    let (x, y) = (logits.floats, binding.outputs[0].floats)
    return { _ in
      for r in 0..<rows {
        let row = x + r * columns
        if columns == 1 {
          y[r] = row[0] > 0 ? 1 : 0
          continue
        }
        var best = 0
        for c in 1..<columns where row[c] > row[best] { best = c }
        y[r] = Float(best)
      }
    }
  }
}
