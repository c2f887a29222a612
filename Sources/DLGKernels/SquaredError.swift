import Foundation

/// Mean squared error, the loss of regression: the mean over every element of (p − t)².
public enum SquaredError {
  public static func loss(
    count: Int, prediction: UnsafePointer<Float>, target: UnsafePointer<Float>
  )
    -> Float
  {
    var sum: Double = 0
    for i in 0..<count {
      let d = Double(prediction[i] - target[i])
      sum += d * d
    }
    return Float(sum / Double(max(count, 1)))
  }

  /// gradient = scale · 2 (p − t) / count; pass scale = dLoss.
  public static func gradient(
    count: Int, prediction: UnsafePointer<Float>, target: UnsafePointer<Float>, scale: Float,
    gradient: UnsafeMutablePointer<Float>
  ) {
    let factor = 2 * scale / Float(max(count, 1))
    for i in 0..<count { gradient[i] = factor * (prediction[i] - target[i]) }
  }
}

/// Binary cross-entropy computed from logits (stable for large |x|), the loss of a
/// yes/no classifier: mean over rows of log(1 + e^x) − y·x.
public enum BinaryCrossEntropy {
  public static func loss(rows: Int, logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>)
    -> Float
  {
    var sum: Double = 0
    for r in 0..<rows {
      let x = Double(logits[r])
      let y = labels[r] > 0 ? 1.0 : 0.0
      // log(1 + e^x) written so that neither branch overflows.
      let softplus =
        x > 0 ? x + Foundation.log1p(Foundation.exp(-x)) : Foundation.log1p(Foundation.exp(x))
      sum += softplus - y * x
    }
    return Float(sum / Double(max(rows, 1)))
  }

  /// gradient = scale · (σ(x) − y); pass scale = dLoss / rows.
  public static func gradient(
    rows: Int, logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, scale: Float,
    gradient: UnsafeMutablePointer<Float>
  ) {
    for r in 0..<rows {
      let sigmoid = 1 / (1 + Foundation.exp(-logits[r]))
      gradient[r] = scale * (sigmoid - (labels[r] > 0 ? 1 : 0))
    }
  }

  /// Rows whose logit has the label's sign (x > 0 means class 1).
  public static func correctCount(
    rows: Int, logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>
  )
    -> Int
  {
    (0..<rows).reduce(0) { $0 + (((logits[$1] > 0) == (labels[$1] > 0)) ? 1 : 0) }
  }
}
