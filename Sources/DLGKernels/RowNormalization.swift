/// Layer normalization and RMS normalization of each row (the last axis) of a `[rows, width]`
/// matrix, with a learned per-column scale (and, for layer normalization, shift). The forward
/// pass keeps each row's mean and 1/σ for the backward pass, which recomputes the normalized
/// values from them instead of storing them.
public enum RowNormalization {
  /// `y = γ · (x − μ) / σ + β` per row (`β` nil and `μ` taken as 0 for RMS normalization, where
  /// σ is the root mean square). Writes `(μ, 1/σ)` per row into `statistics`.
  public static func forward(
    rows: Int, width: Int, x: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
    beta: UnsafePointer<Float>?, epsilon: Float, centered: Bool,
    y: UnsafeMutablePointer<Float>, statistics: UnsafeMutablePointer<Float>
  ) {
    ThreadBudget.parallelFor(count: rows, minimumChunk: max(1, 8_192 / max(width, 1))) { range in
      for r in range {
        let (row, out) = (x + r * width, y + r * width)
        var mean: Float = 0
        if centered {
          for j in 0..<width { mean += row[j] }
          mean /= Float(width)
        }
        var squares: Float = 0
        for j in 0..<width {
          let d = row[j] - mean
          squares += d * d
        }
        let inverse = 1 / (squares / Float(width) + epsilon).squareRoot()
        for j in 0..<width {
          out[j] = gamma[j] * ((row[j] - mean) * inverse) + (beta?[j] ?? 0)
        }
        statistics[2 * r] = mean
        statistics[2 * r + 1] = inverse
      }
    }
  }

  /// The gradients: `dx` per row (`s · (g − mean(g) − x̂ · mean(g · x̂))`, g = dy · γ, without
  /// the mean(g) term for RMS normalization), and `dγ = Σ dy · x̂`, `dβ = Σ dy` over rows,
  /// summed row by row in order so results do not depend on the thread count.
  public static func backward(
    rows: Int, width: Int, x: UnsafePointer<Float>, dy: UnsafePointer<Float>,
    gamma: UnsafePointer<Float>, statistics: UnsafePointer<Float>, centered: Bool,
    dx: UnsafeMutablePointer<Float>, dGamma: UnsafeMutablePointer<Float>,
    dBeta: UnsafeMutablePointer<Float>?
  ) {
    ThreadBudget.parallelFor(count: rows, minimumChunk: max(1, 8_192 / max(width, 1))) { range in
      for r in range {
        let (row, gradient, out) = (x + r * width, dy + r * width, dx + r * width)
        let (mean, inverse) = (statistics[2 * r], statistics[2 * r + 1])
        var (sumG, sumGX) = (Float(0), Float(0))
        for j in 0..<width {
          let g = gradient[j] * gamma[j]
          sumG += g
          sumGX += g * (row[j] - mean) * inverse
        }
        let (meanG, meanGX) = (centered ? sumG / Float(width) : 0, sumGX / Float(width))
        for j in 0..<width {
          let normalized = (row[j] - mean) * inverse
          out[j] = inverse * (gradient[j] * gamma[j] - meanG - normalized * meanGX)
        }
      }
    }
    dGamma.update(repeating: 0, count: width)
    dBeta?.update(repeating: 0, count: width)
    for r in 0..<rows {
      let (row, gradient) = (x + r * width, dy + r * width)
      let (mean, inverse) = (statistics[2 * r], statistics[2 * r + 1])
      for j in 0..<width { dGamma[j] += gradient[j] * ((row[j] - mean) * inverse) }
      if let dBeta { for j in 0..<width { dBeta[j] += gradient[j] } }
    }
  }
}
