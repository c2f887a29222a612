/// Optimizer updates, each one fused pass over memory per parameter tensor: the update over
/// millions of parameters is memory-bound, so reading p, g and the state once matters more
/// than arithmetic.
public enum OptimizerKernels {
  typealias Vector = SIMD16<Float>
  static let width = 16
  static let parallelChunk = 1 << 16

  /// Adam, with the bias corrections folded in by the caller:
  /// `stepSize = lr·sqrt(1−β2^t)/(1−β1^t)`, `epsilonHat = ε·sqrt(1−β2^t)`, which is exactly
  /// `p -= lr · m̂ / (sqrt(v̂) + ε)`. `decoupledDecay = lr·wd` applies AdamW's decay.
  public static func adam(
    count: Int, parameter: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>,
    firstMoment: UnsafeMutablePointer<Float>, secondMoment: UnsafeMutablePointer<Float>,
    stepSize: Float, beta1: Float, beta2: Float, epsilonHat: Float, decoupledDecay: Float
  ) {
    let (oneMinusBeta1, oneMinusBeta2) = (1 - beta1, 1 - beta2)
    let keep = 1 - decoupledDecay
    ThreadBudget.parallelFor(count: count, minimumChunk: parallelChunk) { range in
      var i = range.lowerBound
      while i + width <= range.upperBound {
        let g = Elementwise.load(gradient + i)
        let m = Elementwise.load(firstMoment + i) * beta1 + g * oneMinusBeta1
        let v = Elementwise.load(secondMoment + i) * beta2 + (g * g) * oneMinusBeta2
        let p =
          Elementwise.load(parameter + i) * keep - stepSize * m / (v.squareRoot() + epsilonHat)
        Elementwise.store(m, firstMoment + i)
        Elementwise.store(v, secondMoment + i)
        Elementwise.store(p, parameter + i)
        i += width
      }
      while i < range.upperBound {
        let g = gradient[i]
        let m = firstMoment[i] * beta1 + g * oneMinusBeta1
        let v = secondMoment[i] * beta2 + g * g * oneMinusBeta2
        firstMoment[i] = m
        secondMoment[i] = v
        parameter[i] = parameter[i] * keep - stepSize * m / (v.squareRoot() + epsilonHat)
        i += 1
      }
    }
  }

  /// SGD with PyTorch's semantics: `g' = g + wd·p; v = μ·v + g'; p -= lr·(nesterov ? g' + μ·v : v)`
  /// (without momentum, `p -= lr·g'`).
  public static func sgd(
    count: Int, parameter: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>,
    velocity: UnsafeMutablePointer<Float>?, learningRate: Float, momentum: Float, nesterov: Bool,
    weightDecay: Float
  ) {
    ThreadBudget.parallelFor(count: count, minimumChunk: parallelChunk) { range in
      var i = range.lowerBound
      while i + width <= range.upperBound {
        let p = Elementwise.load(parameter + i)
        let g = Elementwise.load(gradient + i) + weightDecay * p
        var step = g
        if let velocity, momentum > 0 {
          let v = Elementwise.load(velocity + i) * momentum + g
          Elementwise.store(v, velocity + i)
          step = nesterov ? g + momentum * v : v
        }
        Elementwise.store(p - learningRate * step, parameter + i)
        i += width
      }
      while i < range.upperBound {
        let p = parameter[i]
        let g = gradient[i] + weightDecay * p
        var step = g
        if let velocity, momentum > 0 {
          let v = velocity[i] * momentum + g
          velocity[i] = v
          step = nesterov ? g + momentum * v : v
        }
        parameter[i] = p - learningRate * step
        i += 1
      }
    }
  }

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
    for gradient in gradients {
      Elementwise.scale(count: gradient.count, gradient.pointer, by: factor, gradient.pointer)
    }
    return norm
  }
}
