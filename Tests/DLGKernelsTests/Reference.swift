/// Plain, obviously-correct implementations the fast kernels are checked against.
enum Reference {
  /// C = op(A)·op(B) with A stored [m×k] (or [k×m] when transposed), B [k×n] (or [n×k]).
  static func matmul(
    _ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool
  ) -> [Float] {
    var c = [Float](repeating: 0, count: m * n)
    for i in 0..<m {
      for j in 0..<n {
        var sum: Double = 0
        for p in 0..<k {
          let x = transposeA ? a[p * m + i] : a[i * k + p]
          let y = transposeB ? b[j * k + p] : b[p * n + j]
          sum += Double(x) * Double(y)
        }
        c[i * n + j] = Float(sum)
      }
    }
    return c
  }
}

/// The largest difference of two arrays, relative where a value passes 1: infinite when
/// their lengths differ or one holds a NaN where the other does not (a NaN would otherwise
/// drop out of the maximum, and an output a kernel never wrote, left NaN, would pass).
func maxRelativeError(_ a: [Float], _ b: [Float]) -> Float {
  guard a.count == b.count else { return .infinity }
  var largest: Float = 0
  for (x, y) in zip(a, b) {
    if x.isNaN || y.isNaN {
      if x.isNaN != y.isNaN { return .infinity }
      continue
    }
    largest = Swift.max(largest, abs(x - y) / Swift.max(1, abs(x), abs(y)))
  }
  return largest
}
