/// Kernels optimizers need beyond elementwise formulas: the global norm of all gradients, for
/// clipping. (The updates themselves are graph ops that the fusion pass turns into one loop
/// per parameter; see `OptimizerSpec.appendUpdate`.)
public enum OptimizerKernels {
  typealias Vector = SIMD16<Float>
  static let width = 16
  static let parallelChunk = 1 << 16

  /// Σ x² over a buffer, in `Double` across parts (each part sums in 16 float lanes): the
  /// squared norm of a gradient, independent of thread timing.
  public static func sumOfSquares(count: Int, _ x: UnsafePointer<Float>) -> Double {
    let parts = ThreadBudget.parts(count: count, minimumChunk: parallelChunk)
    return withUnsafeTemporaryAllocation(of: Double.self, capacity: parts) { partials in
      ThreadBudget.forEachPart(parts) { part in
        var lanes = Vector(repeating: 0)
        var i = count * part / parts
        let end = count * (part + 1) / parts
        while i + width <= end {
          let v = Elementwise.load(x + i)
          lanes += v * v
          i += width
        }
        var sum = Double(lanes.sum())
        while i < end {
          sum += Double(x[i] * x[i])
          i += 1
        }
        partials[part] = sum
      }
      return partials.reduce(0, +)
    }
  }

  /// Scales every gradient by `maxNorm / norm` when their global norm (the norm of all of them
  /// as one vector) exceeds `maxNorm`, in place, as PyTorch's `clip_grad_norm_`. Returns the
  /// norm before clipping.
  @discardableResult
  public static func clipByGlobalNorm(
    _ gradients: [(pointer: UnsafeMutablePointer<Float>, count: Int)], maxNorm: Float
  ) -> Float {
    var squares = 0.0
    for gradient in gradients { squares += sumOfSquares(count: gradient.count, gradient.pointer) }
    let norm = Float(squares.squareRoot())
    guard norm > maxNorm, norm.isFinite else { return norm }
    let factor = maxNorm / (norm + 1e-6)
    // Two parameters may share one gradient buffer (the optimizer merges equal gradients): it
    // counts twice in the norm, as both parameters' gradients, but is scaled once.
    var scaled = Set<UnsafeMutablePointer<Float>>()
    for gradient in gradients where scaled.insert(gradient.pointer).inserted {
      Elementwise.scale(count: gradient.count, gradient.pointer, by: factor, gradient.pointer)
    }
    return norm
  }
}
