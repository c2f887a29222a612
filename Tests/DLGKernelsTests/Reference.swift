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

/// Deterministic test values.
struct Values: RandomNumberGenerator {
  var state: UInt64
  init(_ seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  mutating func floats(_ count: Int) -> [Float] {
    (0..<count).map { _ in Float.random(in: -1...1, using: &self) }
  }
}

func maxRelativeError(_ a: [Float], _ b: [Float]) -> Float {
  zip(a, b).map { abs($0 - $1) / max(1, abs($0), abs($1)) }.max() ?? 0
}
