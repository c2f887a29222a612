import DLGTestSupport
import Testing

@testable import DLGKernels

/// The int8-weights product against a plain loop over the dequantized weights, over row
/// counts (the four-row and one-row paths), column counts that fill panels or leave a tail,
/// odd inner sizes, row strides wider than the rows, and thread counts.
@Suite(.serialized) struct Int8MatrixTests {
  static let shapes: [(m: Int, k: Int, n: Int)] = [
    (1, 1, 1), (1, 37, 10), (1, 300, 128), (2, 5, 16), (3, 64, 17), (4, 9, 33), (5, 130, 48),
    (8, 21, 100),
  ]

  @Test(arguments: shapes)
  func matchesTheDequantizedProduct(m: Int, k: Int, n: Int) {
    var random = TestRandom(UInt64(m * 1000 + k * 10 + n))
    let values = (0..<(k * n)).map { _ in Int8(truncatingIfNeeded: random.next() % 255) }
    let scales = (0..<n).map { _ in Float(random.next() % 1000 + 1) / 50_000 }
    let (ldx, ldy) = (k + 3, n + 2)
    let x = (0..<(m * ldx)).map { _ in Float(random.next() % 2000) / 1000 - 1 }
    var expected = [Float](repeating: 0, count: m * ldy)
    for r in 0..<m {
      for j in 0..<n {
        var sum: Double = 0
        for i in 0..<k { sum += Double(x[r * ldx + i]) * Double(values[i * n + j]) }
        expected[r * ldy + j] = Float(sum) * scales[j]
      }
    }
    let matrix = values.withUnsafeBufferPointer {
      Int8Matrix(k: k, n: n, values: $0, scales: scales)
    }
    var results: [[Float]] = []
    for threads in [1, 2] {
      withThreadBudget(threads) {
        // The padding between rows must be left as it was.
        var y = [Float](repeating: -7, count: m * ldy)
        matrix.multiply(m: m, x: x, ldx: ldx, y: &y, ldy: ldy)
        results.append(y)
      }
    }
    for r in 0..<m {
      for j in 0..<ldy {
        let (index, actual) = (r * ldy + j, results[0][r * ldy + j])
        if j >= n {
          #expect(actual == -7, "row \(r) padding \(j)")
        } else {
          let tolerance = 1e-5 * Float(k) * 127 * scales[j]
          #expect(abs(actual - expected[index]) <= tolerance, "row \(r) column \(j)")
        }
      }
    }
    // Each column is summed by one thread in one order: thread counts agree exactly.
    #expect(results[0] == results[1])
  }
}
