import DLGData
import DLGGraph

extension Trainer {
  /// Measures every `Normalize` layer's per-channel mean and variance on the training data,
  /// once, before the first step (as Keras's `Normalization.adapt`). Sums are kept in `Double`:
  /// tens of millions of pixels would lose the small variances in `Float`.
  func adaptNormalization(to data: Dataset) {
    for node in model.graph.nodes {
      guard let op = node.op as? Standardize, op.centered,
        !initializedWeights.contains(node.inputs[1]),
        let mean = store.buffer(node.inputs[1]), let variance = store.buffer(node.inputs[2])
      else { continue }
      let channels = mean.count
      let total = data.count * data.sampleSize
      guard channels > 0, total >= channels, total % channels == 0 else { continue }
      var sums = [Double](repeating: 0, count: channels)
      var squares = [Double](repeating: 0, count: channels)
      var c = 0
      data.forEachValue { value in
        let v = Double(value)
        sums[c] += v
        squares[c] += v * v
        c += 1
        if c == channels { c = 0 }
      }
      let rows = Double(total / channels)
      for c in 0..<channels {
        let m = sums[c] / rows
        mean.floats[c] = Float(m)
        variance.floats[c] = Float(max(squares[c] / rows - m * m, 0))
      }
    }
  }
}
