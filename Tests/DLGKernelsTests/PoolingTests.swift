import DLGTestSupport
import Testing

@testable import DLGKernels

/// Pooling against direct per-channel references, with channel counts that take the vector
/// path, its masked tail and both (37 = 2 × 16 + 5), overlapping and padded windows, and ties
/// (the gradient goes to the first maximum only).
@Suite(.serialized) struct PoolingTests {
  static let geometries: [ConvGeometry] =
    [
      (kernel: 2, stride: 2, pad: 0, channels: 37),
      (kernel: 3, stride: 2, pad: 1, channels: 16),
      (kernel: 3, stride: 1, pad: 0, channels: 5),
    ].map { k, s, p, c in
      ConvGeometry(
        batch: 3, inHeight: 7, inWidth: 6, inChannels: c, outChannels: c, kernelHeight: k,
        kernelWidth: k, strideHeight: s, strideWidth: s, padTop: p, padLeft: p, padBottom: p,
        padRight: p)
    }
    // 2 × 2 windows that tile an 8 × 6 image (LeNet's 6 channels): every input written once.
    + [
      ConvGeometry(
        batch: 2, inHeight: 8, inWidth: 6, inChannels: 6, outChannels: 6, kernelHeight: 2,
        kernelWidth: 2, strideHeight: 2, strideWidth: 2, padTop: 0, padLeft: 0, padBottom: 0,
        padRight: 0)
    ]

  /// Every window's in-image positions, in row order, as offsets of channel 0.
  static func positions(_ g: ConvGeometry, _ n: Int, _ oy: Int, _ ox: Int) -> [Int] {
    var result: [Int] = []
    for ky in 0..<g.kernelHeight {
      for kx in 0..<g.kernelWidth {
        let y = oy * g.strideHeight - g.padTop + ky
        let x = ox * g.strideWidth - g.padLeft + kx
        guard y >= 0, y < g.inHeight, x >= 0, x < g.inWidth else { continue }
        result.append(((n * g.inHeight + y) * g.inWidth + x) * g.inChannels)
      }
    }
    return result
  }

  /// At every vector width this CPU has (max pooling runs in C on AVX-512, AVX2 or a
  /// portable loop).
  @Test(arguments: [1, 2])
  func maxAndAverageMatchReferences(threads: Int) {
    withThreadBudget(threads) {
      for lanes in VectorLanes.widths { VectorLanes.withCap(lanes) { check() } }
    }
  }

  func check() {
    var random = TestRandom(11)
    for g in Self.geometries {
      // Values on a coarse grid so windows contain ties.
      let x = random.floats(g.batch * g.inHeight * g.inWidth * g.inChannels).map {
        ($0 * 3).rounded() / 3
      }
      let outCount = g.batch * g.outHeight * g.outWidth * g.inChannels
      let dy = random.floats(outCount)
      // Outputs start as NaN, so one a kernel never writes fails the comparison.
      var maxY = [Float](repeating: .nan, count: outCount)
      var averageY = maxY
      var maxDx = [Float](repeating: .nan, count: x.count)
      var averageDx = maxDx
      var expectedMax = [Float](repeating: 0, count: outCount)
      var expectedAverage = expectedMax
      var expectedMaxDx = [Float](repeating: 0, count: x.count)
      var expectedAverageDx = expectedMaxDx
      for n in 0..<g.batch {
        for oy in 0..<g.outHeight {
          for ox in 0..<g.outWidth {
            let window = Self.positions(g, n, oy, ox)
            for c in 0..<g.inChannels {
              let out = ((n * g.outHeight + oy) * g.outWidth + ox) * g.inChannels + c
              let values = window.map { x[$0 + c] }
              let best = values.max()!
              expectedMax[out] = best
              expectedMaxDx[window[values.firstIndex(of: best)!] + c] += dy[out]
              expectedAverage[out] = values.reduce(0, +) / Float(values.count)
              for position in window {
                expectedAverageDx[position + c] += dy[out] / Float(values.count)
              }
            }
          }
        }
      }
      Pooling.maxForward(g, input: x, output: &maxY)
      Pooling.maxBackward(
        g, input: x, output: maxY, outputGradient: dy, inputGradient: &maxDx)
      Pooling.averageForward(g, input: x, output: &averageY)
      Pooling.averageBackward(g, outputGradient: dy, inputGradient: &averageDx)
      #expect(maxY == expectedMax, "\(g)")
      #expect(maxDx == expectedMaxDx, "\(g)")
      #expect(maxRelativeError(averageY, expectedAverage) < 1e-6, "\(g)")
      #expect(maxRelativeError(averageDx, expectedAverageDx) < 1e-6, "\(g)")
    }
  }
}
