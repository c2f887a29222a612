import DLGTestSupport
import Foundation
import Testing

@testable import DLGKernels

/// Vectorized loops against scalar references, at sizes with SIMD tails and above the
/// threshold where work is split across threads.
@Suite(.serialized) struct ElementwiseTests {
  @Test(arguments: [1, 2])
  func biasReluAndGradients(threads: Int) {
    withThreadBudget(threads) {
      var values = TestRandom(2)
      let (rows, columns) = (2000, 37)
      let x = values.floats(rows * columns)
      let bias = values.floats(columns)
      var y = [Float](repeating: 0, count: rows * columns)
      Elementwise.biasActivation(
        rows: rows, columns: columns, x: x, bias: bias, activation: .relu, y: &y)
      let expected = (0..<rows * columns).map { max(0, x[$0] + bias[$0 % columns]) }
      #expect(y == expected)

      let dy = values.floats(rows * columns)
      var dx = [Float](repeating: 0, count: rows * columns)
      Elementwise.reluGradient(count: rows * columns, y: y, dy: dy, dx: &dx)
      #expect(dx == (0..<dy.count).map { y[$0] > 0 ? dy[$0] : 0 })

      var sums = [Float](repeating: 0, count: columns)
      Elementwise.columnSums(rows: rows, columns: columns, x: dy, sums: &sums)
      let expectedSums = (0..<columns).map { c in
        (0..<rows).reduce(Float(0)) { $0 + dy[$1 * columns + c] }
      }
      #expect(maxRelativeError(sums, expectedSums) < 1e-4)

      var relu = [Float](repeating: 0, count: x.count)
      Elementwise.relu(count: x.count, x: x, y: &relu)
      #expect(relu == x.map { max($0, 0) })
      var added = [Float](repeating: 0, count: x.count)
      Elementwise.add(count: x.count, x, dy, &added)
      #expect(added == zip(x, dy).map(+))
    }
  }

  /// The ReLU gradient with its column sums, and column sums alone, at every column count up
  /// to 70: few columns that are not a multiple of 16 take the vector-stream path (a bias of
  /// 6 channels), the others the row path; row counts with tails, on one and two threads.
  @Test(arguments: [1, 2])
  func columnSumsAtAnyColumnCount(threads: Int) {
    withThreadBudget(threads) {
      var values = TestRandom(7)
      for columns in 1...70 {
        for rows in [1, 3, 1000 + columns] {
          let y = values.floats(rows * columns)
          let dy = values.floats(rows * columns)
          var dx = [Float](repeating: 0, count: rows * columns)
          var sums = [Float](repeating: 7, count: columns)
          Elementwise.reluGradientWithColumnSums(
            rows: rows, columns: columns, y: y, dy: dy, dx: &dx, sums: &sums)
          let expectedDx = (0..<dy.count).map { y[$0] > 0 ? dy[$0] : 0 }
          #expect(dx == expectedDx, "\(rows)×\(columns)")
          let expected = (0..<columns).map { c in
            (0..<rows).reduce(Float(0)) { $0 + expectedDx[$1 * columns + c] }
          }
          #expect(maxRelativeError(sums, expected) < 1e-4, "\(rows)×\(columns)")
          var plain = [Float](repeating: 7, count: columns)
          Elementwise.columnSums(rows: rows, columns: columns, x: dy, sums: &plain)
          let expectedPlain = (0..<columns).map { c in
            (0..<rows).reduce(Float(0)) { $0 + dy[$1 * columns + c] }
          }
          #expect(maxRelativeError(plain, expectedPlain) < 1e-4, "\(rows)×\(columns)")
        }
      }
    }
  }

  @Test func softmaxLossGradientAndCounts() {
    var values = TestRandom(3)
    let (rows, columns) = (6, 9)
    var logits = values.floats(rows * columns).map { $0 * 30 }  // large: tests stability
    let labels: [Int32] = [0, 8, 3, 3, 5, 1]
    let loss = CrossEntropy.softmaxLoss(
      rows: rows, columns: columns, logits: logits, labels: labels)
    var expected: Double = 0
    for r in 0..<rows {
      let row = logits[r * columns..<(r + 1) * columns].map(Double.init)
      let top = row.max()!
      let logSum = row.map { Foundation.exp($0 - top) }.reduce(0, +)
      expected += Foundation.log(logSum) + top - row[Int(labels[r])]
    }
    #expect(abs(Double(loss) - expected / Double(rows)) < 1e-4 * max(1, expected))
    #expect(loss.isFinite)

    // Gradient against central differences of the loss.
    var gradient = [Float](repeating: 0, count: logits.count)
    logits = values.floats(rows * columns)
    CrossEntropy.softmaxLossGradient(
      rows: rows, columns: columns, logits: logits, labels: labels, scale: 1 / Float(rows),
      gradient: &gradient)
    for i in logits.indices {
      var plus = logits
      plus[i] += 1e-2
      var minus = logits
      minus[i] -= 1e-2
      let numeric =
        (CrossEntropy.softmaxLoss(rows: rows, columns: columns, logits: plus, labels: labels)
          - CrossEntropy.softmaxLoss(rows: rows, columns: columns, logits: minus, labels: labels))
        / 2e-2
      #expect(abs(numeric - gradient[i]) < 2e-3)
    }
    let correct = CrossEntropy.correctCount(
      rows: 2, columns: 3, logits: [0, 5, 1, 9, 0, 0], labels: [1, 2])
    #expect(correct == 1)
  }
}

@Suite struct DropoutKernelTests {
  @Test func dropsAboutTheRateAndIsDeterministic() {
    let count = 100_000
    let x = [Float](repeating: 2, count: count)
    var y = [Float](repeating: 0, count: count)
    var mask = [Float](repeating: 0, count: count)
    Elementwise.dropout(count: count, rate: 0.3, seed: 42, x: x, y: &y, mask: &mask)
    let dropped = mask.filter { $0 == 0 }.count
    #expect(abs(Double(dropped) / Double(count) - 0.3) < 0.01)
    #expect(y.allSatisfy { $0 == 0 || abs($0 - 2 / 0.7) < 1e-5 })
    var again = [Float](repeating: 0, count: count)
    var mask2 = [Float](repeating: 0, count: count)
    Elementwise.dropout(count: count, rate: 0.3, seed: 42, x: x, y: &again, mask: &mask2)
    #expect(again == y)
  }
}
