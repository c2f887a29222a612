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
