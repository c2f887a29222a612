/// Activations a fused elementwise kernel can apply.
public enum Activation: Sendable, Hashable {
  case identity
  case relu
}

/// Vectorized memory-bound loops. Each processes 16 floats per iteration (one AVX-512
/// register) with a scalar tail, and splits large arrays across the thread budget.
public enum Elementwise {
  typealias Vector = SIMD16<Float>
  static let width = 16
  /// Arrays smaller than this stay on one thread: the loop is faster than a dispatch.
  static let parallelChunk = 1 << 15

  @inline(__always)
  static func load(_ p: UnsafePointer<Float>) -> Vector {
    UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
  }

  @inline(__always)
  static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
  }

  /// y[r, c] = act(x[r, c] + bias[c]); x and y may be the same buffer.
  public static func biasActivation(
    rows: Int, columns: Int, x: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
    activation: Activation, y: UnsafeMutablePointer<Float>
  ) {
    let rowsPerChunk = max(1, parallelChunk / max(columns, 1))
    ThreadBudget.parallelFor(count: rows, minimumChunk: rowsPerChunk) { range in
      biasActivationRows(range, columns: columns, x: x, bias: bias, activation: activation, y: y)
    }
  }

  /// `biasActivation` on some rows, on the calling thread (for kernels that already split).
  static func biasActivationRows(
    _ range: Range<Int>, columns: Int, x: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
    activation: Activation, y: UnsafeMutablePointer<Float>
  ) {
    for r in range {
      let xr = x + r * columns
      let yr = y + r * columns
      var c = 0
      while c + width <= columns {
        var v = load(xr + c)
        if let bias { v += load(bias + c) }
        if activation == .relu { v = v.replacing(with: 0, where: v .< 0) }
        store(v, yr + c)
        c += width
      }
      while c < columns {
        var v = xr[c] + (bias?[c] ?? 0)
        if activation == .relu { v = max(v, 0) }
        yr[c] = v
        c += 1
      }
    }
  }

  /// y = max(x, 0).
  public static func relu(count: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
    ThreadBudget.parallelFor(count: count, minimumChunk: parallelChunk) { range in
      var i = range.lowerBound
      while i + width <= range.upperBound {
        let v = load(x + i)
        store(v.replacing(with: 0, where: v .< 0), y + i)
        i += width
      }
      while i < range.upperBound {
        y[i] = max(x[i], 0)
        i += 1
      }
    }
  }

  /// dx = dy where y > 0, else 0. dx may be dy's buffer.
  public static func reluGradient(
    count: Int, y: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>
  ) {
    ThreadBudget.parallelFor(count: count, minimumChunk: parallelChunk) { range in
      var i = range.lowerBound
      while i + width <= range.upperBound {
        let g = load(dy + i)
        store(g.replacing(with: 0, where: load(y + i) .<= 0), dx + i)
        i += width
      }
      while i < range.upperBound {
        dx[i] = y[i] > 0 ? dy[i] : 0
        i += 1
      }
    }
  }

  /// sums[c] = Σ_r x[r, c].
  public static func columnSums(
    rows: Int, columns: Int, x: UnsafePointer<Float>, sums: UnsafeMutablePointer<Float>
  ) {
    let chunks = min(
      max(rows, 1), ThreadBudget.parts(count: rows * columns, minimumChunk: parallelChunk))
    if chunks == 1 {
      sums.update(repeating: 0, count: columns)
      addRows(0..<rows, columns: columns, x: x, into: sums)
      return
    }
    // Each chunk sums its rows privately; the partials are then added in order, so the result
    // does not depend on which thread finishes first.
    ScratchPool.shared.withBuffer(count: chunks * columns) { partials in
      partials.update(repeating: 0, count: chunks * columns)
      ThreadBudget.parallelFor(count: chunks, minimumChunk: 1) { chunkRange in
        for chunk in chunkRange {
          addRows(
            rows * chunk / chunks..<rows * (chunk + 1) / chunks, columns: columns, x: x,
            into: partials + chunk * columns)
        }
      }
      sums.update(from: partials, count: columns)
      for chunk in 1..<chunks { accumulate(count: columns, partials + chunk * columns, into: sums) }
    }
  }

  /// dx = dy · (y > 0) and sums[c] = Σ_r dx[r, c], in one pass over memory.
  public static func reluGradientWithColumnSums(
    rows: Int, columns: Int, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Float>
  ) {
    let chunks = min(
      max(rows, 1), ThreadBudget.parts(count: rows * columns, minimumChunk: parallelChunk))
    ScratchPool.shared.withBuffer(count: chunks * columns) { partials in
      partials.update(repeating: 0, count: chunks * columns)
      ThreadBudget.forEachPart(chunks) { chunk in
        let partial = partials + chunk * columns
        let chunkRows = rows * chunk / chunks..<rows * (chunk + 1) / chunks
        if let period = streamPeriod(columns: columns) {
          let start = chunkRows.lowerBound * columns
          reluGradientStream(
            count: chunkRows.count * columns, columns: columns, period: period, y: y + start,
            dy: dy + start, dx: dx + start, sums: partial)
          return
        }
        for r in chunkRows {
          let (yr, dyr, dxr) = (y + r * columns, dy + r * columns, dx + r * columns)
          var c = 0
          while c + width <= columns {
            let g = load(dyr + c).replacing(with: 0, where: load(yr + c) .<= 0)
            store(g, dxr + c)
            store(load(partial + c) + g, partial + c)
            c += width
          }
          while c < columns {
            let g = yr[c] > 0 ? dyr[c] : 0
            dxr[c] = g
            partial[c] += g
            c += 1
          }
        }
      }
      sums.update(from: partials, count: columns)
      for chunk in 1..<max(chunks, 1) {
        accumulate(count: columns, partials + chunk * columns, into: sums)
      }
    }
  }

  /// Vectors after which the columns of a row-major block with `columns` columns, read as one
  /// stream of 16-float vectors, repeat (lane l of vector k is column (16k + l) mod columns):
  /// for few columns that are not a multiple of 16, where a loop over each row's columns would
  /// run scalar. Nil where rows already fill whole vectors, or are long enough to.
  @inline(__always)
  static func streamPeriod(columns: Int) -> Int? {
    guard columns > 0, columns < 64, columns % width != 0 else { return nil }
    var (a, b) = (columns, width)
    while b != 0 { (a, b) = (b, a % b) }
    return columns / a
  }

  /// dx = dy · (y > 0) over `count` floats starting at a row boundary, and sums[c] += Σ dx of
  /// column c, vector by vector: `period` vector accumulators take turns, then fold into the
  /// columns.
  static func reluGradientStream(
    count: Int, columns: Int, period: Int, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Float>
  ) {
    withUnsafeTemporaryAllocation(of: Vector.self, capacity: period) { accumulators in
      let acc = accumulators.baseAddress!
      acc.initialize(repeating: Vector(repeating: 0), count: period)
      var i = 0
      var turn = 0
      while i + width <= count {
        let g = load(dy + i).replacing(with: 0, where: load(y + i) .<= 0)
        store(g, dx + i)
        acc[turn] += g
        turn += 1
        if turn == period { turn = 0 }
        i += width
      }
      fold(acc, period: period, columns: columns, into: sums)
      while i < count {
        let g = y[i] > 0 ? dy[i] : 0
        dx[i] = g
        sums[i % columns] += g
        i += 1
      }
    }
  }

  /// Adds stream accumulators into the columns their lanes stand for.
  @inline(__always)
  static func fold(
    _ acc: UnsafeMutablePointer<Vector>, period: Int, columns: Int,
    into sums: UnsafeMutablePointer<Float>
  ) {
    for p in 0..<period {
      for lane in 0..<width { sums[(p * width + lane) % columns] += acc[p][lane] }
    }
  }

  /// sums[c] += Σ x of column c over `count` floats starting at a row boundary, as
  /// `reluGradientStream` does.
  static func columnSumStream(
    count: Int, columns: Int, period: Int, x: UnsafePointer<Float>,
    sums: UnsafeMutablePointer<Float>
  ) {
    withUnsafeTemporaryAllocation(of: Vector.self, capacity: period) { accumulators in
      let acc = accumulators.baseAddress!
      acc.initialize(repeating: Vector(repeating: 0), count: period)
      var i = 0
      var turn = 0
      while i + width <= count {
        acc[turn] += load(x + i)
        turn += 1
        if turn == period { turn = 0 }
        i += width
      }
      fold(acc, period: period, columns: columns, into: sums)
      while i < count {
        sums[i % columns] += x[i]
        i += 1
      }
    }
  }

  private static func addRows(
    _ rows: Range<Int>, columns: Int, x: UnsafePointer<Float>,
    into sums: UnsafeMutablePointer<Float>
  ) {
    if let period = streamPeriod(columns: columns) {
      columnSumStream(
        count: rows.count * columns, columns: columns, period: period,
        x: x + rows.lowerBound * columns, sums: sums)
      return
    }
    for r in rows { accumulate(count: columns, x + r * columns, into: sums) }
  }

  /// y += x.
  @inline(__always)
  public static func accumulate(
    count: Int, _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>
  ) {
    var i = 0
    while i + width <= count {
      store(load(y + i) + load(x + i), y + i)
      i += width
    }
    while i < count {
      y[i] += x[i]
      i += 1
    }
  }

  public static func copy(
    count: Int, from x: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>
  ) {
    y.update(from: x, count: count)
  }

  public static func fill(count: Int, value: Float, _ y: UnsafeMutablePointer<Float>) {
    y.update(repeating: value, count: count)
  }

  /// y = a + b.
  public static func add(
    count: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
    _ y: UnsafeMutablePointer<Float>
  ) {
    ThreadBudget.parallelFor(count: count, minimumChunk: parallelChunk) { range in
      var i = range.lowerBound
      while i + width <= range.upperBound {
        store(load(a + i) + load(b + i), y + i)
        i += width
      }
      while i < range.upperBound {
        y[i] = a[i] + b[i]
        i += 1
      }
    }
  }

  /// y = s · x.
  public static func scale(
    count: Int, _ x: UnsafePointer<Float>, by s: Float, _ y: UnsafeMutablePointer<Float>
  ) {
    ThreadBudget.parallelFor(count: count, minimumChunk: parallelChunk) { range in
      var i = range.lowerBound
      while i + width <= range.upperBound {
        store(load(x + i) * s, y + i)
        i += width
      }
      while i < range.upperBound {
        y[i] = x[i] * s
        i += 1
      }
    }
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Smooth activations and their gradients (computed from the activation's output).
extension Elementwise {
  /// y = 1 / (1 + e^-x).
  public static func sigmoid(count: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
    ThreadBudget.parallelFor(count: count, minimumChunk: parallelChunk) { range in
      VectorMath.sigmoid(count: range.count, x + range.lowerBound, y + range.lowerBound)
    }
  }

  /// dx = dy · y · (1 − y).
  public static func sigmoidGradient(
    count: Int, y: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>
  ) {
    ThreadBudget.parallelFor(count: count, minimumChunk: parallelChunk) { range in
      for i in range { dx[i] = dy[i] * y[i] * (1 - y[i]) }
    }
  }

  /// y = tanh(x).
  public static func tanh(count: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
    ThreadBudget.parallelFor(count: count, minimumChunk: parallelChunk) { range in
      VectorMath.tanh(count: range.count, x + range.lowerBound, y + range.lowerBound)
    }
  }

  /// dx = dy · (1 − y²).
  public static func tanhGradient(
    count: Int, y: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>
  ) {
    ThreadBudget.parallelFor(count: count, minimumChunk: parallelChunk) { range in
      for i in range { dx[i] = dy[i] * (1 - y[i] * y[i]) }
    }
  }
}

/// Inverted dropout with a counter-based generator: element `i` of step `seed` is kept or
/// dropped the same way on every run and whatever the thread count.
extension Elementwise {
  /// mask[i] = 1/(1−rate) with probability 1−rate, else 0; y = x · mask.
  public static func dropout(
    count: Int, rate: Float, seed: UInt64, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
    mask: UnsafeMutablePointer<Float>, firstElement: Int = 0
  ) {
    let keep = 1 / (1 - rate)
    let first = UInt64(max(firstElement, 0))
    ThreadBudget.parallelFor(count: count, minimumChunk: parallelChunk) { range in
      for i in range {
        let u = CounterRandom.unit(CounterRandom.bits(seed, first &+ UInt64(i)))
        let m: Float = u >= rate ? keep : 0
        mask[i] = m
        y[i] = x[i] * m
      }
    }
  }

  /// y = x + deviation · n, n standard normal from a hash of (seed, pair index): the same
  /// noise whatever the thread split. Pairs of elements share one Box–Muller draw.
  public static func gaussianNoise(
    count: Int, deviation: Float, seed: UInt64, x: UnsafePointer<Float>,
    y: UnsafeMutablePointer<Float>, firstPair: Int = 0
  ) {
    let pairs = (count + 1) / 2
    let first = UInt64(max(firstPair, 0))
    ThreadBudget.parallelFor(count: pairs, minimumChunk: parallelChunk / 2) { range in
      for pair in range {
        let z = CounterRandom.bits(seed, first &+ UInt64(pair))
        // Two 32-bit uniforms: u in (0, 1] keeps the logarithm finite.
        let u = (Float(z >> 40) + 1) / Float(1 << 24)
        let v = Float((z >> 8) & 0xFF_FFFF) / Float(1 << 24)
        let radius = deviation * (-2 * logf(u)).squareRoot()
        let angle = 2 * Float.pi * v
        let i = 2 * pair
        y[i] = x[i] + radius * cosf(angle)
        if i + 1 < count { y[i + 1] = x[i + 1] + radius * sinf(angle) }
      }
    }
  }

  /// y = a · b, elementwise.
  public static func multiply(
    count: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
    _ y: UnsafeMutablePointer<Float>
  ) {
    ThreadBudget.parallelFor(count: count, minimumChunk: parallelChunk) { range in
      var i = range.lowerBound
      while i + width <= range.upperBound {
        store(load(a + i) * load(b + i), y + i)
        i += width
      }
      while i < range.upperBound {
        y[i] = a[i] * b[i]
        i += 1
      }
    }
  }
}

/// GELU (Hendrycks & Gimpel, 2016), in its tanh form as used by GPT-2 and BERT.
extension Elementwise {
  static let geluC: Float = 0.797_884_6  // sqrt(2/π)

  /// y = ½ x (1 + tanh(c (x + 0.044715 x³))).
  public static func gelu(count: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
    ThreadBudget.parallelFor(count: count, minimumChunk: parallelChunk) { range in
      VectorMath.gelu(count: range.count, x + range.lowerBound, y + range.lowerBound)
    }
  }

  /// dx = dy · dGELU/dx, from the input x (dx may be dy's buffer: the gradient is in place).
  public static func geluGradient(
    count: Int, x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>
  ) {
    ThreadBudget.parallelFor(count: count, minimumChunk: parallelChunk) { range in
      let start = range.lowerBound
      VectorMath.geluGradient(count: range.count, x + start, dy + start, dx + start)
    }
  }

}
