/// Batch normalization over the last axis of a `[rows, channels]` view (the channels of NHWC
/// images, or the features of a dense layer): statistics per channel over every row.
///
/// Channels are contiguous in each row, so every loop runs across channels in vectors. Sums
/// over rows are split into parts with private partial sums added in part order, so results
/// do not depend on which thread finishes first.
public enum BatchNormalization {
  typealias Vector = SIMD16<Float>
  static let width = 16

  /// Per-channel mean and biased variance of `x` (two passes, for accuracy).
  public static func moments(
    rows: Int, channels: Int, x: UnsafePointer<Float>, mean: UnsafeMutablePointer<Float>,
    variance: UnsafeMutablePointer<Float>
  ) {
    let scale = 1 / Float(max(rows, 1))
    sumRows(rows: rows, channels: channels, into: mean) { range, sums in
      for r in range { Elementwise.accumulate(count: channels, x + r * channels, into: sums) }
    }
    for c in 0..<channels { mean[c] *= scale }
    sumRows(rows: rows, channels: channels, into: variance) { range, sums in
      for r in range {
        let row = x + r * channels
        var c = 0
        while c + width <= channels {
          let d = Elementwise.load(row + c) - Elementwise.load(mean + c)
          Elementwise.store(Elementwise.load(sums + c) + d * d, sums + c)
          c += width
        }
        while c < channels {
          let d = row[c] - mean[c]
          sums[c] += d * d
          c += 1
        }
      }
    }
    for c in 0..<channels { variance[c] *= scale }
  }

  /// y = γ · (x − mean) · invStd + β.
  public static func normalize(
    rows: Int, channels: Int, x: UnsafePointer<Float>, mean: UnsafePointer<Float>,
    invStd: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
    y: UnsafeMutablePointer<Float>
  ) {
    let minimumRows = max(1, Elementwise.parallelChunk / max(channels, 1))
    ThreadBudget.parallelFor(count: rows, minimumChunk: minimumRows) { range in
      for r in range {
        let (xr, yr) = (x + r * channels, y + r * channels)
        var c = 0
        while c + width <= channels {
          let scale = Elementwise.load(gamma + c) * Elementwise.load(invStd + c)
          let shifted = Elementwise.load(xr + c) - Elementwise.load(mean + c)
          Elementwise.store(shifted * scale + Elementwise.load(beta + c), yr + c)
          c += width
        }
        while c < channels {
          yr[c] = (xr[c] - mean[c]) * gamma[c] * invStd[c] + beta[c]
          c += 1
        }
      }
    }
  }

  /// y = (x − shift) · invStd, per channel: fixed standardization (and its gradient).
  public static func standardize(
    rows: Int, channels: Int, x: UnsafePointer<Float>, shift: UnsafePointer<Float>,
    invStd: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>
  ) {
    let minimumRows = max(1, Elementwise.parallelChunk / max(channels, 1))
    ThreadBudget.parallelFor(count: rows, minimumChunk: minimumRows) { range in
      for r in range {
        let (xr, yr) = (x + r * channels, y + r * channels)
        var c = 0
        while c + width <= channels {
          let shifted = Elementwise.load(xr + c) - Elementwise.load(shift + c)
          Elementwise.store(shifted * Elementwise.load(invStd + c), yr + c)
          c += width
        }
        while c < channels {
          yr[c] = (xr[c] - shift[c]) * invStd[c]
          c += 1
        }
      }
    }
  }

  /// The gradients of batch-statistics normalization, with x̂ = (x − mean) · invStd and M rows:
  /// dβ = Σ dy, dγ = Σ dy · x̂, dx = γ · invStd / M · (M · dy − dβ − x̂ · dγ).
  public static func backward(
    rows: Int, channels: Int, x: UnsafePointer<Float>, dy: UnsafePointer<Float>,
    gamma: UnsafePointer<Float>, mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>, dGamma: UnsafeMutablePointer<Float>,
    dBeta: UnsafeMutablePointer<Float>
  ) {
    sumRows(rows: rows, channels: channels, into: dBeta) { range, sums in
      for r in range { Elementwise.accumulate(count: channels, dy + r * channels, into: sums) }
    }
    sumRows(rows: rows, channels: channels, into: dGamma) { range, sums in
      for r in range {
        let (xr, dyr) = (x + r * channels, dy + r * channels)
        var c = 0
        while c + width <= channels {
          let xHat =
            (Elementwise.load(xr + c) - Elementwise.load(mean + c)) * Elementwise.load(invStd + c)
          Elementwise.store(Elementwise.load(sums + c) + Elementwise.load(dyr + c) * xHat, sums + c)
          c += width
        }
        while c < channels {
          sums[c] += dyr[c] * (xr[c] - mean[c]) * invStd[c]
          c += 1
        }
      }
    }
    let count = Float(rows)
    let minimumRows = max(1, Elementwise.parallelChunk / max(channels, 1))
    ThreadBudget.parallelFor(count: rows, minimumChunk: minimumRows) { range in
      for r in range {
        let (xr, dyr, dxr) = (x + r * channels, dy + r * channels, dx + r * channels)
        var c = 0
        while c + width <= channels {
          let invStdC = Elementwise.load(invStd + c)
          let xHat = (Elementwise.load(xr + c) - Elementwise.load(mean + c)) * invStdC
          let scale = Elementwise.load(gamma + c) * invStdC / count
          let inner =
            Elementwise.load(dyr + c) * count - Elementwise.load(dBeta + c)
            - xHat * Elementwise.load(dGamma + c)
          Elementwise.store(scale * inner, dxr + c)
          c += width
        }
        while c < channels {
          let xHat = (xr[c] - mean[c]) * invStd[c]
          dxr[c] = gamma[c] * invStd[c] / count * (dyr[c] * count - dBeta[c] - xHat * dGamma[c])
          c += 1
        }
      }
    }
  }

  /// The gradient when the mean and 1/σ are constants (a frozen layer's running statistics):
  /// dx = dy · γ · invStd; dγ = Σ dy · x̂ and dβ = Σ dy, as with batch statistics.
  public static func backwardWithFixedStatistics(
    rows: Int, channels: Int, x: UnsafePointer<Float>, dy: UnsafePointer<Float>,
    gamma: UnsafePointer<Float>, mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>, dGamma: UnsafeMutablePointer<Float>,
    dBeta: UnsafeMutablePointer<Float>
  ) {
    for c in 0..<channels { (dGamma[c], dBeta[c]) = (0, 0) }
    for r in 0..<rows {
      for c in 0..<channels {
        let i = r * channels + c
        dx[i] = dy[i] * gamma[c] * invStd[c]
        dGamma[c] += dy[i] * (x[i] - mean[c]) * invStd[c]
        dBeta[c] += dy[i]
      }
    }
  }

  /// sums[c] = Σ over rows of what `body` adds for a range of rows into a zeroed partial.
  private static func sumRows(
    rows: Int, channels: Int, into sums: UnsafeMutablePointer<Float>,
    _ body: (Range<Int>, UnsafeMutablePointer<Float>) -> Void
  ) {
    let parts = min(
      max(rows, 1),
      ThreadBudget.parts(count: rows * channels, minimumChunk: Elementwise.parallelChunk))
    sums.update(repeating: 0, count: channels)
    if parts == 1 {
      body(0..<rows, sums)
      return
    }
    ScratchPool.shared.withBuffer(count: parts * channels) { partials in
      partials.update(repeating: 0, count: parts * channels)
      ThreadBudget.forEachPart(parts) { part in
        body(rows * part / parts..<rows * (part + 1) / parts, partials + part * channels)
      }
      for part in 0..<parts {
        Elementwise.accumulate(count: channels, partials + part * channels, into: sums)
      }
    }
  }
}
