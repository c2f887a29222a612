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
    // Few output channels over many taps (LeNet's two layers): vectors along the output row.
    ConvGeometry(
      batch: 2, inHeight: 32, inWidth: 32, inChannels: 3, outChannels: 6, kernelHeight: 5,
      kernelWidth: 5, strideHeight: 1, strideWidth: 1, padTop: 0, padLeft: 0, padBottom: 0,
      padRight: 0),
    ConvGeometry(
      batch: 3, inHeight: 14, inWidth: 14, inChannels: 6, outChannels: 16, kernelHeight: 5,
      kernelWidth: 5, strideHeight: 1, strideWidth: 1, padTop: 0, padLeft: 0, padBottom: 0,
      padRight: 0),
    // The same with padding, a row of 20 (a vector of 16 and one that starts early) and a
    // row of 9, and output channels that are not a whole group.
    ConvGeometry(
      batch: 2, inHeight: 11, inWidth: 20, inChannels: 4, outChannels: 11, kernelHeight: 3,
      kernelWidth: 5, strideHeight: 1, strideWidth: 1, padTop: 1, padLeft: 2, padBottom: 1,
      padRight: 2),
    ConvGeometry(
      batch: 1, inHeight: 9, inWidth: 9, inChannels: 5, outChannels: 16, kernelHeight: 3,
      kernelWidth: 3, strideHeight: 1, strideWidth: 1, padTop: 1, padLeft: 1, padBottom: 1,
      padRight: 1),
    // Direct, with 37 output channels: two vectors and a scalar tail.
    ConvGeometry(
      batch: 3, inHeight: 9, inWidth: 8, inChannels: 3, outChannels: 37, kernelHeight: 3,
      kernelWidth: 3, strideHeight: 2, strideWidth: 1, padTop: 1, padLeft: 0, padBottom: 1,
      padRight: 1),
    // Multiples of 16 outputs: the implicit product. The CIFAR-10 CNN's 32 → 64 layer (rows of
    // 13: tiles of 6 that cross rows, and a last one that starts early), its 3 → 32 first
    // layer, 48 outputs with padding and stride 2 (a zero-bordered copy), 16 outputs over rows
    // of 8 (one tile), and 128 outputs (two blocks) with padding.
    ConvGeometry(
      batch: 2, inHeight: 15, inWidth: 15, inChannels: 32, outChannels: 64, kernelHeight: 3,
      kernelWidth: 3, strideHeight: 1, strideWidth: 1, padTop: 0, padLeft: 0, padBottom: 0,
      padRight: 0),
    ConvGeometry(
      batch: 3, inHeight: 12, inWidth: 12, inChannels: 3, outChannels: 32, kernelHeight: 3,
      kernelWidth: 3, strideHeight: 1, strideWidth: 1, padTop: 0, padLeft: 0, padBottom: 0,
      padRight: 0),
    ConvGeometry(
      batch: 2, inHeight: 9, inWidth: 17, inChannels: 5, outChannels: 48, kernelHeight: 3,
      kernelWidth: 3, strideHeight: 2, strideWidth: 2, padTop: 1, padLeft: 1, padBottom: 1,
      padRight: 1),
    // A 64-output layer whose rows are shorter than a tile: im2col.
    ConvGeometry(
      batch: 2, inHeight: 6, inWidth: 6, inChannels: 8, outChannels: 64, kernelHeight: 3,
      kernelWidth: 3, strideHeight: 1, strideWidth: 1, padTop: 0, padLeft: 0, padBottom: 0,
      padRight: 0),
    ConvGeometry(
      batch: 2, inHeight: 6, inWidth: 10, inChannels: 4, outChannels: 16, kernelHeight: 2,
      kernelWidth: 3, strideHeight: 1, strideWidth: 1, padTop: 0, padLeft: 0, padBottom: 0,
      padRight: 0),
    ConvGeometry(
      batch: 1, inHeight: 7, inWidth: 10, inChannels: 8, outChannels: 128, kernelHeight: 3,
      kernelWidth: 3, strideHeight: 1, strideWidth: 1, padTop: 1, padLeft: 1, padBottom: 1,
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

  /// dw[ky, kx, c, f] = Σ x[n, oy·s − pad + ky, ox·s − pad + kx, c] · dy[n, oy, ox, f].
  static func filterGradient(_ g: ConvGeometry, _ x: [Float], _ dy: [Float]) -> [Float] {
    var dw = [Float](
      repeating: 0, count: g.kernelHeight * g.kernelWidth * g.inChannels * g.outChannels)
    for n in 0..<g.batch {
      for oy in 0..<g.outHeight {
        for ox in 0..<g.outWidth {
          for ky in 0..<g.kernelHeight {
            for kx in 0..<g.kernelWidth {
              let iy = oy * g.strideHeight - g.padTop + ky
              let ix = ox * g.strideWidth - g.padLeft + kx
              guard iy >= 0, iy < g.inHeight, ix >= 0, ix < g.inWidth else { continue }
              for c in 0..<g.inChannels {
                let input = x[((n * g.inHeight + iy) * g.inWidth + ix) * g.inChannels + c]
                for f in 0..<g.outChannels {
                  dw[((ky * g.kernelWidth + kx) * g.inChannels + c) * g.outChannels + f] +=
                    input * dy[((n * g.outHeight + oy) * g.outWidth + ox) * g.outChannels + f]
                }
              }
            }
          }
        }
      }
    }
    return dw
  }

  /// dx[n, iy, ix, c] = Σ dy[n, oy, ox, f] · w[ky, kx, c, f] over the outputs whose window
  /// holds (iy, ix) at tap (ky, kx): the adjoint of `reference`.
  static func inputGradient(_ g: ConvGeometry, _ dy: [Float], _ w: [Float]) -> [Float] {
    var dx = [Float](repeating: 0, count: g.batch * g.inHeight * g.inWidth * g.inChannels)
    for n in 0..<g.batch {
      for oy in 0..<g.outHeight {
        for ox in 0..<g.outWidth {
          for ky in 0..<g.kernelHeight {
            for kx in 0..<g.kernelWidth {
              let iy = oy * g.strideHeight - g.padTop + ky
              let ix = ox * g.strideWidth - g.padLeft + kx
              guard iy >= 0, iy < g.inHeight, ix >= 0, ix < g.inWidth else { continue }
              for c in 0..<g.inChannels {
                var sum: Float = 0
                for f in 0..<g.outChannels {
                  sum +=
                    dy[((n * g.outHeight + oy) * g.outWidth + ox) * g.outChannels + f]
                    * w[((ky * g.kernelWidth + kx) * g.inChannels + c) * g.outChannels + f]
                }
                dx[((n * g.inHeight + iy) * g.inWidth + ix) * g.inChannels + c] += sum
              }
            }
          }
        }
      }
    }
    return dx
  }

  /// Which geometries take the row-vector kernel for few output channels (on a CPU with
  /// AVX2 at least): those with more taps than the direct kernel takes, at most 16 output
  /// channels, stride 1 and rows of 8 pixels or more (the 64 × 64 images with 4 outputs too).
  @Test func fewOutputChannelsTakeTheRowKernel() {
    guard VectorLanes.available >= 8 else { return }
    let taken = Self.geometries.map { FewOutputConvolution.applies(to: $0) }
    #expect(
      taken == [
        false, false, false, false, true, true, true, true, true, false, false, false, false,
        false, false, false,
      ])
  }

  /// The kernel each geometry's forward pass takes (on a CPU with AVX2 at least): the implicit
  /// product for multiples of 16 outputs, then the row kernel for fewer outputs over many
  /// taps, then the direct kernel for few taps, and im2col for the rest.
  @Test func forwardKernelsByLayer() {
    guard VectorLanes.available >= 8 else { return }
    let kernels = Self.geometries.map(\.forwardKernel)
    let (few, implicit, direct, patches) = (
      ConvolutionForwardKernel.fewOutputs, ConvolutionForwardKernel.implicitGEMM,
      ConvolutionForwardKernel.direct, ConvolutionForwardKernel.patchGEMM
    )
    #expect(
      kernels == [
        direct, direct, direct, patches, few, few, implicit, few, implicit, direct, implicit,
        implicit, implicit, patches, implicit, implicit,
      ])
    #expect(Self.geometries.map(\.forwardScratchCount).filter { $0 > 0 }.count == 2)
  }

  /// The forward pass, the filter gradient and the input gradient at every vector width this
  /// CPU has, against the references in full.
  @Test(arguments: [1, 2])
  func forwardMatchesReferenceAtEveryWidth(threads: Int) {
    // The budget's lock first: tests that compare results bit for bit hold it, and so never
    // run while the lanes are capped.
    withThreadBudget(threads) {
      for lanes in VectorLanes.widths {
        VectorLanes.withCap(lanes) {
          var values = TestRandom(7)
          for g in Self.geometries {
            let x = values.floats(g.batch * g.inHeight * g.inWidth * g.inChannels)
            let w = values.floats(g.kernelHeight * g.kernelWidth * g.inChannels * g.outChannels)
            let bias = values.floats(g.outChannels)
            var scratch = [Float](repeating: .nan, count: max(g.forwardScratchCount, 1))
            var y = [Float](
              repeating: .nan, count: g.batch * g.outHeight * g.outWidth * g.outChannels)
            Convolution2D.forward(
              g, input: x, filter: w, output: &y, scratch: &scratch, bias: bias,
              activation: .relu)
            let expected = Self.reference(g, x, w)
            let activated = expected.indices.map {
              max(expected[$0] + bias[$0 % g.outChannels], 0)
            }
            #expect(maxRelativeError(y, activated) < 1e-4, "\(lanes) lanes: \(g)")

            // The filter gradient: Σ over the batch of each tap's input times dy.
            let dy = values.floats(y.count)
            var scratchForBackward = [Float](
              repeating: .nan, count: max(g.backwardFilterScratchCount, 1))
            var dw = [Float](repeating: .nan, count: w.count)
            Convolution2D.backwardFilter(
              g, input: x, outputGradient: dy, filterGradient: &dw, scratch: &scratchForBackward)
            #expect(
              maxRelativeError(dw, Self.filterGradient(g, x, dy)) < 1e-4, "\(lanes) lanes: \(g)")

            var scratchForInput = [Float](
              repeating: .nan, count: max(g.backwardInputScratchCount, 1))
            var dx = [Float](repeating: .nan, count: x.count)
            Convolution2D.backwardInput(
              g, outputGradient: dy, filter: w, inputGradient: &dx, scratch: &scratchForInput)
            #expect(
              maxRelativeError(dx, Self.inputGradient(g, dy, w)) < 1e-4, "\(lanes) lanes: \(g)")
          }
        }
      }
    }
  }

  /// A NaN in the input stays a NaN through the fused bias and ReLU, in every output whose
  /// window holds it, on every forward kernel and vector width: ReLU must not turn it into 0.
  @Test func reluKeepsNaNsInEveryForwardKernel() {
    withThreadBudget(2) {
      for lanes in VectorLanes.widths {
        VectorLanes.withCap(lanes) {
          var values = TestRandom(9)
          for g in Self.geometries {
            var x = values.floats(g.batch * g.inHeight * g.inWidth * g.inChannels)
            x[x.count / 2] = .nan
            let w = values.floats(g.kernelHeight * g.kernelWidth * g.inChannels * g.outChannels)
            let bias = values.floats(g.outChannels)
            var scratch = [Float](repeating: 0, count: max(g.forwardScratchCount, 1))
            var y = [Float](
              repeating: 0, count: g.batch * g.outHeight * g.outWidth * g.outChannels)
            Convolution2D.forward(
              g, input: x, filter: w, output: &y, scratch: &scratch, bias: bias,
              activation: .relu)
            let expected = Self.reference(g, x, w).enumerated().map { i, sum in
              sum.isNaN ? sum : Swift.max(sum + bias[i % g.outChannels], 0)
            }
            #expect(expected.contains { $0.isNaN }, "\(g)")
            #expect(maxRelativeError(y, expected) < 1e-4, "\(lanes) lanes: \(g)")
          }
        }
      }
    }
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
