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
}
