import DLGTestSupport
import Testing

@testable import DLGKernels

/// GEMM against the reference, on shapes that take every path: single-threaded, split by rows,
/// split by columns, split along k; all four transpose combinations.
@Suite(.serialized) struct GEMMTests {
  static let shapes: [(m: Int, n: Int, k: Int)] = [
    (3, 5, 7),  // too small to split
    (150, 40, 70),  // rows
    (20, 300, 60),  // columns
    (8, 24, 3000),  // k dominates
  ]

  @Test(arguments: [1, 2])
  func matchesReference(threads: Int) {
    withThreadBudget(threads) {
      var values = TestRandom(1)
      for (m, n, k) in Self.shapes {
        for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
          let a = values.floats(m * k)
          let b = values.floats(k * n)
          var c = values.floats(m * n)
          let before = c
          a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
              c.withUnsafeMutableBufferPointer { pc in
                GEMM.multiply(
                  transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 1,
                  a: pa.baseAddress!, lda: ta ? m : k, b: pb.baseAddress!, ldb: tb ? k : n,
                  beta: 0.5, c: pc.baseAddress!, ldc: n)
              }
            }
          }
          let product = Reference.matmul(a, b, m: m, n: n, k: k, transposeA: ta, transposeB: tb)
          let expected = zip(product, before).map { $0 + 0.5 * $1 }
          #expect(maxRelativeError(c, expected) < 1e-4, "\(m)×\(n)×\(k) ta \(ta) tb \(tb)")
        }
      }
    }
  }
}
