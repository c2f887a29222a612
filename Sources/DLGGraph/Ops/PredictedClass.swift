/// The predicted class of each row of logits `[N, C]` as f32 `[N]`: the arg-max, or for a
/// single logit `[N, 1]` whether it is positive. Feeds precision, recall and the confusion
/// matrix.
public struct PredictedClass: NonDifferentiable {
  public init() {}

  public var name: String { "PredictedClass" }
  public var fusionClass: FusionClass { .reduction }
  public var family: OpFamily { .metric }

  public func outputTypes(for inputs: [TensorType]) throws(ShapeError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 1, op: name)
    guard inputs[0].rank == 2 else {
      throw ShapeError("PredictedClass expects logits [N, classes], got \(inputs[0])")
    }
    return [TensorType(.float32, [inputs[0].shape[0]])]
  }

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
