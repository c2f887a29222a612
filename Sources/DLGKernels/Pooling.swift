/// Max and average pooling over NHWC images; the window, stride and padding are described by
/// a `ConvGeometry` whose channel counts are equal (pooling keeps the channels).
public enum Pooling {
  /// y = the maximum of each window (padding never wins).
  public static func maxForward(
    _ g: ConvGeometry, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>
  ) {
    forEachWindow(g) { n, oy, ox, out in
      let y = output + out
      y.update(repeating: -.infinity, count: g.inChannels)
      visit(g, n, oy, ox) { offset in
        for c in 0..<g.inChannels { y[c] = max(y[c], input[offset + c]) }
      }
    }
  }

  /// dx: each window's gradient goes to the first position holding its maximum.
  public static func maxBackward(
    _ g: ConvGeometry, input: UnsafePointer<Float>, output: UnsafePointer<Float>,
    outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>
  ) {
    zeroImages(g, inputGradient)
    forEachWindow(g) { n, oy, ox, out in
      for c in 0..<g.inChannels {
        var routed = false
        visit(g, n, oy, ox) { offset in
          if !routed, input[offset + c] == output[out + c] {
            inputGradient[offset + c] += outputGradient[out + c]
            routed = true
          }
        }
      }
    }
  }

  /// y = the mean of each window over the positions inside the image.
  public static func averageForward(
    _ g: ConvGeometry, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>
  ) {
    forEachWindow(g) { n, oy, ox, out in
      let y = output + out
      y.update(repeating: 0, count: g.inChannels)
      var count = 0
      visit(g, n, oy, ox) { offset in
        count += 1
        Elementwise.accumulate(count: g.inChannels, input + offset, into: y)
      }
      let scale = 1 / Float(max(count, 1))
      for c in 0..<g.inChannels { y[c] *= scale }
    }
  }

  /// dx: each window's gradient shared equally by the positions it averaged.
  public static func averageBackward(
    _ g: ConvGeometry, outputGradient: UnsafePointer<Float>,
    inputGradient: UnsafeMutablePointer<Float>
  ) {
    zeroImages(g, inputGradient)
    forEachWindow(g) { n, oy, ox, out in
      var count = 0
      visit(g, n, oy, ox) { _ in count += 1 }
      let scale = 1 / Float(max(count, 1))
      visit(g, n, oy, ox) { offset in
        for c in 0..<g.inChannels { inputGradient[offset + c] += outputGradient[out + c] * scale }
      }
    }
  }

  /// Calls `body(n, oy, ox, outputOffset)` for every output pixel; images split over threads
  /// (each thread writes only its own images).
  @inline(__always)
  static func forEachWindow(_ g: ConvGeometry, _ body: (Int, Int, Int, Int) -> Void) {
    ThreadBudget.parallelFor(count: g.batch, minimumChunk: 4) { images in
      for n in images {
        for oy in 0..<g.outHeight {
          for ox in 0..<g.outWidth {
            body(n, oy, ox, ((n * g.outHeight + oy) * g.outWidth + ox) * g.inChannels)
          }
        }
      }
    }
  }

  /// Calls `body(inputOffset)` for every window position inside the image.
  @inline(__always)
  static func visit(_ g: ConvGeometry, _ n: Int, _ oy: Int, _ ox: Int, _ body: (Int) -> Void) {
    for ky in 0..<g.kernelHeight {
      let y = oy * g.strideHeight - g.padTop + ky
      guard y >= 0, y < g.inHeight else { continue }
      for kx in 0..<g.kernelWidth {
        let x = ox * g.strideWidth - g.padLeft + kx
        guard x >= 0, x < g.inWidth else { continue }
        body(((n * g.inHeight + y) * g.inWidth + x) * g.inChannels)
      }
    }
  }

  private static func zeroImages(_ g: ConvGeometry, _ buffer: UnsafeMutablePointer<Float>) {
    buffer.update(repeating: 0, count: g.batch * g.inHeight * g.inWidth * g.inChannels)
  }
}
