import DLGKernels
import Foundation
import Testing

/// The vector exp, tanh and logistic function against the C library, over the range training
/// meets and at its edges; an array's tail gives what its body would.
@Suite struct VectorMathTests {
  static let samples: [Float] =
    stride(from: Float(-90), through: 90, by: 0.037).map { $0 }
    + [0, -0, 1e-8, -1e-8, 1e-4, 0.6249, 0.625, 0.6251, -0.625, 9.09, 9.2, 88.7, -87.3]

  func relativeError(_ a: Float, _ b: Float) -> Float {
    abs(a - b) / max(abs(b), .leastNormalMagnitude)
  }

  @Test func expMatchesTheCLibrary() {
    var y = [Float](repeating: 0, count: Self.samples.count)
    VectorMath.exp(count: y.count, Self.samples, &y)
    for (x, value) in zip(Self.samples, y) {
      let reference = Foundation.exp(x)
      if reference < 1e-37 {
        #expect(value < 1e-37, "exp(\(x))")
      } else if reference.isInfinite {
        #expect(value > 3e38, "exp(\(x))")
      } else {
        #expect(relativeError(value, reference) < 3e-7, "exp(\(x)) = \(value), not \(reference)")
      }
    }
  }

  @Test func tanhAndSigmoidMatchTheCLibrary() {
    var t = [Float](repeating: 0, count: Self.samples.count)
    var s = t
    VectorMath.tanh(count: t.count, Self.samples, &t)
    VectorMath.sigmoid(count: s.count, Self.samples, &s)
    for (i, x) in Self.samples.enumerated() {
      let reference = Foundation.tanh(x)
      #expect(abs(t[i] - reference) <= 1e-6 * max(1, abs(reference)), "tanh(\(x)) = \(t[i])")
      #expect(abs(t[i]) <= 1)
      let logistic = 1 / (1 + Foundation.exp(-x))
      #expect(abs(s[i] - logistic) <= 1e-6, "sigmoid(\(x)) = \(s[i])")
    }
  }

  @Test func infinitiesGiveTheirLimits() {
    let x: [Float] = [-.infinity, .infinity, -.infinity]
    var y = [Float](repeating: 1, count: 3)
    VectorMath.exp(count: 3, x, &y)
    #expect(y[0] == 0 && y[2] == 0 && y[1] > 1e38)
    VectorMath.tanh(count: 3, x, &y)
    #expect(y == [-1, 1, -1])
  }

  /// Every length from 0 to 20: the padded tail computes what the 8-wide body does.
  @Test func tailsAgreeWithTheBody() {
    let x = (0..<20).map { Float($0) * 0.31 - 3 }
    var whole = [Float](repeating: 0, count: 20)
    VectorMath.tanh(count: 20, x, &whole)
    for length in 0...20 {
      var part = [Float](repeating: 0, count: length)
      VectorMath.tanh(count: length, x, &part)
      #expect(part == Array(whole.prefix(length)))
    }
  }

  @Test func shiftedExpSums() {
    let x: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    var y = [Float](repeating: 0, count: x.count)
    let sum = VectorMath.shiftedExp(count: x.count, x, minus: 11, &y)
    let reference = x.map { Foundation.exp($0 - 11) }
    #expect(abs(sum - reference.reduce(0, +)) < 1e-6)
    #expect(abs(VectorMath.sumOfShiftedExp(count: x.count, x, minus: 11) - sum) < 1e-6)
    for i in x.indices { #expect(relativeError(y[i], reference[i]) < 3e-7) }
  }
}
