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

func maxRelativeError(_ a: [Float], _ b: [Float]) -> Float {
  zip(a, b).map { abs($0 - $1) / max(1, abs($0), abs($1)) }.max() ?? 0
}
