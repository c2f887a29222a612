import DLGTestSupport
import Testing

@testable import DLGKernels

/// Convolution against a direct seven-loop reference, and its backward passes against the
/// reference's adjoint, over strides, padding, channels and batch sizes.
@Suite(.serialized) struct ConvolutionTests {
  static let geometries: [ConvGeometry] = [
    ConvGeometry(
      batch: 2, inHeight: 7, inWidth: 6, inChannels: 3, outChannels: 4, kernelHeight: 3,
      kernelWidth: 3, strideHeight: 1, strideWidth: 1, padTop: 0, padLeft: 0, padBottom: 0,
      padRight: 0),
    ConvGeometry(
      batch: 3, inHeight: 8, inWidth: 9, inChannels: 2, outChannels: 5, kernelHeight: 3,
      kernelWidth: 2, strideHeight: 2, strideWidth: 2, padTop: 1, padLeft: 1, padBottom: 1,
      padRight: 0),
    ConvGeometry(
      batch: 4, inHeight: 28, inWidth: 28, inChannels: 1, outChannels: 8, kernelHeight: 3,
      kernelWidth: 3, strideHeight: 1, strideWidth: 1, padTop: 0, padLeft: 0, padBottom: 0,
      padRight: 0),
    // 45 taps: the patch-matrix GEMM path (the ones above take the direct path).
    ConvGeometry(
      batch: 2, inHeight: 6, inWidth: 7, inChannels: 5, outChannels: 20, kernelHeight: 3,
      kernelWidth: 3, strideHeight: 1, strideWidth: 1, padTop: 1, padLeft: 1, padBottom: 1,
      padRight: 1),
    // Large images: one image per group, so the passes work through several groups a part.
    ConvGeometry(
      batch: 3, inHeight: 64, inWidth: 64, inChannels: 8, outChannels: 4, kernelHeight: 3,
      kernelWidth: 3, strideHeight: 1, strideWidth: 1, padTop: 1, padLeft: 1, padBottom: 1,
      padRight: 1),
    // Direct, with 37 output channels: two vectors and a scalar tail.
    ConvGeometry(
      batch: 3, inHeight: 9, inWidth: 8, inChannels: 3, outChannels: 37, kernelHeight: 3,
      kernelWidth: 3, strideHeight: 2, strideWidth: 1, padTop: 1, padLeft: 0, padBottom: 1,
      padRight: 1),
  ]

  /// y[n, oy, ox, f] = Σ x[n, oy·s − pad + ky, ox·s − pad + kx, c] · w[ky, kx, c, f].
  static func reference(_ g: ConvGeometry, _ x: [Float], _ w: [Float]) -> [Float] {
    var y = [Float](repeating: 0, count: g.batch * g.outHeight * g.outWidth * g.outChannels)
    for n in 0..<g.batch {
      for oy in 0..<g.outHeight {
        for ox in 0..<g.outWidth {
          for f in 0..<g.outChannels {
            var sum: Float = 0
            for ky in 0..<g.kernelHeight {
              for kx in 0..<g.kernelWidth {
                let iy = oy * g.strideHeight - g.padTop + ky
                let ix = ox * g.strideWidth - g.padLeft + kx
                guard iy >= 0, iy < g.inHeight, ix >= 0, ix < g.inWidth else { continue }
                for c in 0..<g.inChannels {
                  sum +=
                    x[((n * g.inHeight + iy) * g.inWidth + ix) * g.inChannels + c]
                    * w[((ky * g.kernelWidth + kx) * g.inChannels + c) * g.outChannels + f]
                }
              }
            }
            y[((n * g.outHeight + oy) * g.outWidth + ox) * g.outChannels + f] = sum
          }
        }
      }
    }
    return y
  }

  @Test(arguments: [1, 2])
  func forwardAndBackwardMatchReference(threads: Int) {
    withThreadBudget(threads) {
      var values = TestRandom(5)
      for g in Self.geometries {
        let x = values.floats(g.batch * g.inHeight * g.inWidth * g.inChannels)
        let w = values.floats(g.kernelHeight * g.kernelWidth * g.inChannels * g.outChannels)
        var scratch = [Float](
          repeating: .nan,
          count: max(
            g.forwardScratchCount, g.backwardFilterScratchCount, g.backwardInputScratchCount))
        var y = [Float](repeating: .nan, count: g.batch * g.outHeight * g.outWidth * g.outChannels)
        Convolution2D.forward(g, input: x, filter: w, output: &y, scratch: &scratch)
        let expected = Self.reference(g, x, w)
        #expect(maxRelativeError(y, expected) < 1e-4, "\(g)")
        // With a bias and ReLU in the same pass.
        let bias = values.floats(g.outChannels)
        Convolution2D.forward(
          g, input: x, filter: w, output: &y, scratch: &scratch, bias: bias, activation: .relu)
        let activated = expected.indices.map { max(expected[$0] + bias[$0 % g.outChannels], 0) }
        #expect(maxRelativeError(y, activated) < 1e-4, "\(g)")

        // The backward passes are the adjoints of the forward: <dy, conv(x, w)> is linear in
        // both x and w, so its gradients are exact sums the reference gives directly.
        let dy = values.floats(y.count)
        var dw = [Float](repeating: .nan, count: w.count)
        Convolution2D.backwardFilter(
          g, input: x, outputGradient: dy, filterGradient: &dw, scratch: &scratch)
        var dx = [Float](repeating: .nan, count: x.count)
        Convolution2D.backwardInput(
          g, outputGradient: dy, filter: w, inputGradient: &dx, scratch: &scratch)
        func inner(_ x: [Float], _ w: [Float]) -> Float {
          zip(Self.reference(g, x, w), dy).reduce(0) { $0 + $1.0 * $1.1 }
        }
        // Spot-check a few coordinates of each gradient with unit perturbations.
        for i in stride(from: 0, to: w.count, by: max(1, w.count / 7)) {
          var unit = [Float](repeating: 0, count: w.count)
          unit[i] = 1
          #expect(abs(inner(x, unit) - dw[i]) < 1e-3 * max(1, abs(dw[i])))
        }
        for i in stride(from: 0, to: x.count, by: max(1, x.count / 11)) {
          var unit = [Float](repeating: 0, count: x.count)
          unit[i] = 1
          #expect(abs(inner(unit, w) - dx[i]) < 1e-3 * max(1, abs(dx[i])))
        }
      }
    }
  }
}
