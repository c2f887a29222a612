/// Group normalization (Wu & He 2018) of `[N, positions, channels]` (an NHWC image with its
/// height and width as positions): the channels split into `groups` consecutive groups, each
/// sample's group normalized over its positions and channels together, then a learned
/// per-channel scale and shift. Keeps `(μ, 1/σ)` per sample and group for the backward pass.
public enum GroupNormalization {
  public struct Shape: Sendable {
    public var batch, positions, channels, groups: Int
    public init(batch: Int, positions: Int, channels: Int, groups: Int) {
      (self.batch, self.positions, self.channels, self.groups) = (
        batch, positions, channels, groups
      )
    }
    var perGroup: Int { channels / groups }
    var count: Float { Float(positions * perGroup) }
  }

  public static func forward(
    _ shape: Shape, x: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
    beta: UnsafePointer<Float>, epsilon: Float, y: UnsafeMutablePointer<Float>,
    statistics: UnsafeMutablePointer<Float>
  ) {
    let (p, c, width) = (shape.positions, shape.channels, shape.perGroup)
    ThreadBudget.parallelFor(count: shape.batch * shape.groups, minimumChunk: 1) { range in
      for item in range {
        let (sample, group) = item.quotientAndRemainder(dividingBy: shape.groups)
        let base = x + sample * p * c + group * width
        var sum: Double = 0
        for position in 0..<p { for j in 0..<width { sum += Double(base[position * c + j]) } }
        let mean = Float(sum / Double(shape.count))
        var squares: Double = 0
        for position in 0..<p {
          for j in 0..<width {
            let d = base[position * c + j] - mean
            squares += Double(d * d)
          }
        }
        let inverse = 1 / (Float(squares / Double(shape.count)) + epsilon).squareRoot()
        let out = y + sample * p * c + group * width
        for position in 0..<p {
          for j in 0..<width {
            let channel = group * width + j
            out[position * c + j] =
              gamma[channel] * (base[position * c + j] - mean) * inverse + beta[channel]
          }
        }
        statistics[2 * item] = mean
        statistics[2 * item + 1] = inverse
      }
    }
  }

  /// `dx = s/M · (M·g − Σg − x̂ · Σ(g · x̂))` per sample and group (g = dy · γ, M its size),
  /// `dγ = Σ dy · x̂` and `dβ = Σ dy` per channel, summed in order.
  public static func backward(
    _ shape: Shape, x: UnsafePointer<Float>, dy: UnsafePointer<Float>,
    gamma: UnsafePointer<Float>, statistics: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>, dGamma: UnsafeMutablePointer<Float>,
    dBeta: UnsafeMutablePointer<Float>
  ) {
    let (p, c, width) = (shape.positions, shape.channels, shape.perGroup)
    ThreadBudget.parallelFor(count: shape.batch * shape.groups, minimumChunk: 1) { range in
      for item in range {
        let (sample, group) = item.quotientAndRemainder(dividingBy: shape.groups)
        let offset = sample * p * c + group * width
        let (mean, inverse) = (statistics[2 * item], statistics[2 * item + 1])
        var (sumG, sumGX) = (Float(0), Float(0))
        for position in 0..<p {
          for j in 0..<width {
            let i = offset + position * c + j
            let g = dy[i] * gamma[group * width + j]
            sumG += g
            sumGX += g * (x[i] - mean) * inverse
          }
        }
        let (meanG, meanGX) = (sumG / shape.count, sumGX / shape.count)
        for position in 0..<p {
          for j in 0..<width {
            let i = offset + position * c + j
            let normalized = (x[i] - mean) * inverse
            dx[i] = inverse * (dy[i] * gamma[group * width + j] - meanG - normalized * meanGX)
          }
        }
      }
    }
    dGamma.update(repeating: 0, count: c)
    dBeta.update(repeating: 0, count: c)
    for sample in 0..<shape.batch {
      for position in 0..<p {
        let row = sample * p * c + position * c
        for channel in 0..<c {
          let item = sample * shape.groups + channel / width
          let normalized = (x[row + channel] - statistics[2 * item]) * statistics[2 * item + 1]
          dGamma[channel] += dy[row + channel] * normalized
          dBeta[channel] += dy[row + channel]
        }
      }
    }
  }
}
