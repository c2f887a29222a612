#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Row-wise softmax, computed with the row maximum subtracted so large logits cannot overflow.
/// Rows are independent, so they split across threads and the results do not depend on how.
public enum RowSoftmax {
  /// Rows per part: about 16 K elements, so small softmaxes stay on one thread.
  static func chunk(_ columns: Int) -> Int { max(1, 16_384 / max(columns, 1)) }

  public static func forward(
    rows: Int, columns: Int, logits: UnsafePointer<Float>,
    probabilities: UnsafeMutablePointer<Float>
  ) {
    ThreadBudget.parallelFor(count: rows, minimumChunk: chunk(columns)) { range in
      forward(range, columns: columns, logits: logits, probabilities: probabilities)
    }
  }

  private static func forward(
    _ rowRange: Range<Int>, columns: Int, logits: UnsafePointer<Float>,
    probabilities: UnsafeMutablePointer<Float>
  ) {
    for r in rowRange {
      let x = logits + r * columns
      let y = probabilities + r * columns
      let top = maximum(x, columns)
      // Every entry hidden (a query whose keys are all padding): no weight anywhere, not NaN.
      guard top > -.infinity else {
        y.update(repeating: 0, count: columns)
        continue
      }
      let sum = VectorMath.shiftedExp(count: columns, x, minus: top, y)
      let inverse = 1 / sum
      for c in 0..<columns { y[c] *= inverse }
    }
  }

  /// The gradient through a softmax from its output: `dx = y ⊙ (dy − Σ dy ⊙ y)` per row.
  public static func backward(
    rows: Int, columns: Int, probabilities: UnsafePointer<Float>,
    outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>
  ) {
    ThreadBudget.parallelFor(count: rows, minimumChunk: chunk(columns)) { range in
      backward(
        range, columns: columns, probabilities: probabilities, outputGradient: outputGradient,
        inputGradient: inputGradient)
    }
  }

  private static func backward(
    _ rowRange: Range<Int>, columns: Int, probabilities: UnsafePointer<Float>,
    outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>
  ) {
    for r in rowRange {
      let (y, dy, dx) = (
        probabilities + r * columns, outputGradient + r * columns, inputGradient + r * columns
      )
      var dot: Float = 0
      for c in 0..<columns { dot += dy[c] * y[c] }
      for c in 0..<columns { dx[c] = y[c] * (dy[c] - dot) }
    }
  }

  @inline(__always)
  static func maximum(_ x: UnsafePointer<Float>, _ count: Int) -> Float {
    var top = -Float.infinity
    for c in 0..<count { top = max(top, x[c]) }
    return top
  }
}

/// Softmax cross-entropy against integer labels, and classification counts.
///
/// A negative label marks a row without one (a padded position): it adds nothing to the loss,
/// to the mean's count or to the gradient. Labels are validated when data is loaded; here an
/// out-of-range label is still never used to index memory (it counts as a wrong prediction
/// with zero loss contribution and zero target).
public enum CrossEntropy {
  /// Mean over labelled rows of `-log softmax(logits)[label]`, via log-sum-exp. Rows are
  /// summed in fixed blocks, then the blocks in order, so the value does not depend on how
  /// many threads computed it.
  public static func softmaxLoss(
    rows: Int, columns: Int, logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>
  ) -> Float {
    let (total, _) = sumInBlocks(rows: rows, columns: columns) { rowRange in
      var sum: Double = 0
      for r in rowRange {
        let label = Int(labels[r])
        guard label >= 0, label < columns else { continue }
        let x = logits + r * columns
        let top = RowSoftmax.maximum(x, columns)
        let exps = VectorMath.sumOfShiftedExp(count: columns, x, minus: top)
        sum += Double(logf(exps) + top - x[label])
      }
      return (sum, 0)
    }
    return Float(total / Double(max(labelledRows(rows, labels), 1)))
  }

  /// Two sums over the rows, each fixed block of rows (about 16 K values) computed by `body`
  /// on some thread and the blocks added in order: the result does not depend on how many
  /// threads there are.
  static func sumInBlocks(
    rows: Int, columns: Int, _ body: (Range<Int>) -> (Double, Double)
  ) -> (Double, Double) {
    let blockRows = RowSoftmax.chunk(columns)
    let blocks = (rows + blockRows - 1) / blockRows
    return withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * max(blocks, 1)) {
      partial in
      let sums = partial.baseAddress!
      ThreadBudget.parallelFor(count: blocks, minimumChunk: 1) { range in
        for block in range {
          (sums[2 * block], sums[2 * block + 1]) = body(
            block * blockRows..<min((block + 1) * blockRows, rows))
        }
      }
      var total: (Double, Double) = (0, 0)
      for block in 0..<blocks {
        total.0 += sums[2 * block]
        total.1 += sums[2 * block + 1]
      }
      return total
    }
  }

  /// The rows that have a label (a label of 0 or more).
  public static func labelledRows(_ rows: Int, _ labels: UnsafePointer<Int32>) -> Int {
    var count = 0
    for r in 0..<rows where labels[r] >= 0 { count += 1 }
    return count
  }

  /// gradient = scale · (softmax(logits) − onehot(label)) for labelled rows, zero for the
  /// others; pass scale = dLoss / labelledRows.
  public static func softmaxLossGradient(
    rows: Int, columns: Int, logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
    scale: Float, gradient: UnsafeMutablePointer<Float>
  ) {
    RowSoftmax.forward(rows: rows, columns: columns, logits: logits, probabilities: gradient)
    ThreadBudget.parallelFor(count: rows, minimumChunk: RowSoftmax.chunk(columns)) { range in
      for r in range {
        let g = gradient + r * columns
        let label = Int(labels[r])
        guard label >= 0 else {
          g.update(repeating: 0, count: columns)
          continue
        }
        if label < columns { g[label] -= 1 }
        for c in 0..<columns { g[c] *= scale }
      }
    }
  }

  /// The loss (the mean over labelled rows), its gradient (`dLoss / labelled rows` times
  /// softmax minus one-hot) and the correct count, in one pass over each row: the maximum and
  /// arg-max, then the exponentials written once into the gradient row and scaled. Sums go
  /// through fixed row blocks, so the values do not depend on the thread count.
  public static func lossGradientAndCorrect(
    rows: Int, columns: Int, logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
    dLoss: Float, gradient: UnsafeMutablePointer<Float>
  ) -> (loss: Float, correct: Int) {
    let labelled = labelledRows(rows, labels)
    let scale = dLoss / Float(max(labelled, 1))
    let (loss, correct) = sumInBlocks(rows: rows, columns: columns) { rowRange in
      var (loss, correct): (Double, Double) = (0, 0)
      for r in rowRange {
        let (x, g) = (logits + r * columns, gradient + r * columns)
        let label = Int(labels[r])
        guard label >= 0 else {
          g.update(repeating: 0, count: columns)
          continue
        }
        var best = 0
        for c in 1..<max(columns, 1) where x[c] > x[best] { best = c }
        let top = x[best]
        let sum = VectorMath.shiftedExp(count: columns, x, minus: top, g)
        let factor = scale / sum
        for c in 0..<columns { g[c] *= factor }
        guard label < columns else { continue }
        g[label] -= scale
        loss += Double(logf(sum) + top - x[label])
        if best == label { correct += 1 }
      }
      return (loss, correct)
    }
    return (Float(loss / Double(max(labelled, 1))), Int(correct))
  }

  /// Rows whose largest logit (first one on ties) is at the label's index.
  public static func correctCount(
    rows: Int, columns: Int, logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>
  ) -> Int {
    var correct = 0
    for r in 0..<rows {
      let x = logits + r * columns
      var best = 0
      for c in 1..<max(columns, 1) where x[c] > x[best] { best = c }
      if labels[r] >= 0, best == Int(labels[r]) { correct += 1 }
    }
    return correct
  }
}
