import DLGTestSupport
import Testing

@testable import DLGKernels

/// Products on packed panels, int8 and f32, against a plain loop over the (dequantized)
/// weights: row counts that take the six-, four- and one-row paths, column counts that fill
/// panels or leave a tail, odd inner sizes, strides wider than the rows, and thread counts.
@Suite(.serialized) struct PanelMatrixTests {
  static let shapes: [(m: Int, k: Int, n: Int)] = [
    (1, 1, 1), (1, 37, 10), (1, 300, 128), (2, 5, 16), (3, 64, 17), (4, 9, 33), (5, 130, 48),
    (8, 21, 100), (13, 50, 20), (16, 33, 48),
    // Past 16 rows (AVX-512 takes up to 64): blocks of 16, then 8, 4, 2 and 1.
    (17, 20, 16), (31, 70, 40), (64, 9, 20),
    // Enough work per panel to split the panels across threads.
    (2, 4096, 64), (6, 2000, 40),
  ]

  @Test(arguments: shapes, [true, false])
  func matchesThePlainProduct(shape: (m: Int, k: Int, n: Int), int8: Bool) throws {
    // Every vector width this CPU has: AVX-512, AVX2 and the portable loop.
    for lanes in VectorLanes.widths { try check(shape: shape, int8: int8, lanes: lanes) }
  }

  func check(shape: (m: Int, k: Int, n: Int), int8: Bool, lanes: Int) throws {
    let (m, k, n) = shape
    var random = TestRandom(UInt64(m * 1000 + k * 10 + n))
    let values = (0..<(k * n)).map { _ in Int8(truncatingIfNeeded: random.next() % 255) }
    let scales = (0..<n).map { _ in Float(random.next() % 1000 + 1) / 50_000 }
    // The f32 matrix is the dequantized one, stored with a wider stride.
    let ldb = n + 5
    var floats = [Float](repeating: 99, count: k * ldb)
    for i in 0..<k { for j in 0..<n { floats[i * ldb + j] = Float(values[i * n + j]) * scales[j] } }
    let (ldx, ldy) = (k + 3, n + 2)
    let x = (0..<(m * ldx)).map { _ in Float(random.next() % 2000) / 1000 - 1 }
    var expected = [Float](repeating: 0, count: m * ldy)
    for r in 0..<m {
      for j in 0..<n {
        var sum: Double = 0
        for i in 0..<k { sum += Double(x[r * ldx + i]) * Double(floats[i * ldb + j]) }
        expected[r * ldy + j] = Float(sum)
      }
    }
    let matrix = try #require(
      int8
        ? values.withUnsafeBufferPointer { PanelMatrix(k: k, n: n, int8: $0, scales: scales) }
        : PanelMatrix(k: k, n: n, float32: floats, ld: ldb))
    #expect(matrix.isInt8 == int8)
    var results: [[Float]] = []
    for threads in [1, 2] {
      // The budget's lock first: tests that compare results bit for bit hold it, and so never
      // run while the lanes are capped.
      withThreadBudget(threads) {
        VectorLanes.withCap(lanes) {
          #expect(VectorLanes.current == lanes)
          // The padding between rows must be left as it was.
          var y = [Float](repeating: -7, count: m * ldy)
          matrix.multiply(m: m, x: x, ldx: ldx, y: &y, ldy: ldy)
          results.append(y)
        }
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

  @Test func shapesThatDoNotFitAreRefused() {
    let values = [Int8](repeating: 1, count: 6)
    values.withUnsafeBufferPointer {
      #expect(PanelMatrix(k: 2, n: 3, int8: $0, scales: [1, 1]) == nil)
      #expect(PanelMatrix(k: 3, n: 3, int8: $0, scales: [1, 1, 1]) == nil)
      #expect(PanelMatrix(k: 0, n: 0, int8: $0, scales: []) == nil)
    }
    #expect(PanelMatrix(k: 1, n: 4, float32: [1, 2, 3], ld: 3) == nil)
  }
}
