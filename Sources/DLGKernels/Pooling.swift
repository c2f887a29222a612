import CVectorKernels

/// Max and average pooling over NHWC images; the window, stride and padding are described by
/// a `ConvGeometry` whose channel counts are equal (pooling keeps the channels).
///
/// In NHWC the channels of one pixel are contiguous, so every loop runs over channels in
/// 16-wide vectors (one AVX-512 register) with a scalar tail, one output pixel at a time, and
/// the window positions are visited once per pixel rather than once per channel.
public enum Pooling {
  typealias Vector = SIMD16<Float>
  static let width = 16

  /// y = the maximum of each window (padding never wins), in C on the widest vectors
  /// (`max_pool.h`: Swift compiles a SIMD compare-and-select lane by lane), images split over
  /// threads.
  public static func maxForward(
    _ g: ConvGeometry, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>
  ) {
    guard var s = sizes(g) else { return }
    forEachImages(g) { images in
      dlg_max_pool(&s, input, images.lowerBound, images.upperBound, output)
    }
  }

  /// dx: each window's gradient goes to the first position holding its maximum (as the
  /// forward pass picked it), added to what overlapping windows routed there.
  public static func maxBackward(
    _ g: ConvGeometry, input: UnsafePointer<Float>, output: UnsafePointer<Float>,
    outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>
  ) {
    guard var s = sizes(g) else { return }
    forEachImages(g) { images in
      dlg_max_pool_gradient(
        &s, input, output, outputGradient, images.lowerBound, images.upperBound, inputGradient)
    }
  }

  /// The C kernels' sizes; nil past 2^30 (which no plan that fits in memory reaches).
  static func sizes(_ g: ConvGeometry) -> dlg_pool_sizes? {
    let values = [
      g.batch, g.inHeight, g.inWidth, g.inChannels, g.kernelHeight, g.kernelWidth,
      g.strideHeight, g.strideWidth, g.padTop, g.padLeft, g.outHeight, g.outWidth,
    ]
    guard values.allSatisfy({ $0 >= 0 && $0 <= 1 << 30 }) else { return nil }
    let v = values.map { Int32($0) }
    return dlg_pool_sizes(
      n: v[0], h: v[1], w: v[2], c: v[3], kh: v[4], kw: v[5], stride_h: v[6], stride_w: v[7],
      pad_top: v[8], pad_left: v[9], oh: v[10], ow: v[11])
  }

  /// Splits the batch over threads as `forEachPixel` does.
  static func forEachImages(_ g: ConvGeometry, _ body: (Range<Int>) -> Void) {
    let perImage = g.outHeight * g.outWidth * g.inChannels * g.kernelHeight * g.kernelWidth
    ThreadBudget.parallelFor(count: g.batch, minimumChunk: max(1, (1 << 15) / max(perImage, 1))) {
      body($0)
    }
  }

  /// y = the mean of each window over the positions inside the image.
  public static func averageForward(
    _ g: ConvGeometry, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>
  ) {
    let channels = g.inChannels
    forEachPixel(g) { window, pixel in
      let y = output + pixel
      let scale = 1 / Float(max(window.count, 1))
      var c = 0
      while c + width <= channels {
        var sum = Vector(repeating: 0)
        window.forEachOffset { offset in sum += Elementwise.load(input + offset + c) }
        Elementwise.store(sum * scale, y + c)
        c += width
      }
      while c < channels {
        var sum: Float = 0
        window.forEachOffset { offset in sum += input[offset + c] }
        y[c] = sum * scale
        c += 1
      }
    }
  }

  /// dx: each window's gradient shared equally by the positions it averaged.
  public static func averageBackward(
    _ g: ConvGeometry, outputGradient: UnsafePointer<Float>,
    inputGradient: UnsafeMutablePointer<Float>
  ) {
    let channels = g.inChannels
    forEachPixel(g, zeroing: inputGradient) { window, pixel in
      let dy = outputGradient + pixel
      let scale = 1 / Float(max(window.count, 1))
      var c = 0
      while c + width <= channels {
        let share = Elementwise.load(dy + c) * scale
        window.forEachOffset { offset in
          Elementwise.store(
            Elementwise.load(inputGradient + offset + c) + share, inputGradient + offset + c)
        }
        c += width
      }
      while c < channels {
        let share = dy[c] * scale
        window.forEachOffset { offset in inputGradient[offset + c] += share }
        c += 1
      }
    }
  }

  /// The part of one pooling window inside the image: rows `y0..<y1`, columns `x0..<x1`.
  struct Window {
    var y0, y1, x0, x1: Int
    var imageWidth, channels, imageOffset: Int

    @inline(__always)
    init(_ g: ConvGeometry, _ n: Int, _ oy: Int, _ ox: Int) {
      let top = oy * g.strideHeight - g.padTop
      let left = ox * g.strideWidth - g.padLeft
      y0 = max(top, 0)
      y1 = min(top + g.kernelHeight, g.inHeight)
      x0 = max(left, 0)
      x1 = min(left + g.kernelWidth, g.inWidth)
      imageWidth = g.inWidth
      channels = g.inChannels
      imageOffset = n * g.inHeight * g.inWidth * g.inChannels
    }

    var count: Int { max(y1 - y0, 0) * max(x1 - x0, 0) }

    /// Calls `body(offset)` with each position's first channel, row by row.
    @inline(__always)
    func forEachOffset(_ body: (Int) -> Void) {
      var y = y0
      while y < y1 {
        var x = x0
        while x < x1 {
          body(imageOffset + (y * imageWidth + x) * channels)
          x += 1
        }
        y += 1
      }
    }
  }

  /// Calls `body(window, pixel)` for every output pixel, `pixel` being the offset of its
  /// first channel in the output. Images are split over threads (each writes only its own
  /// images); with `zeroing`, each image of that buffer (an input gradient) is zeroed first.
  @inline(__always)
  static func forEachPixel(
    _ g: ConvGeometry, zeroing gradient: UnsafeMutablePointer<Float>? = nil,
    _ body: (Window, Int) -> Void
  ) {
    let perImage = g.outHeight * g.outWidth * g.inChannels * g.kernelHeight * g.kernelWidth
    let minimum = max(1, (1 << 15) / max(perImage, 1))
    let imageSize = g.inHeight * g.inWidth * g.inChannels
    ThreadBudget.parallelFor(count: g.batch, minimumChunk: minimum) { images in
      for n in images {
        (gradient.map { $0 + n * imageSize })?.update(repeating: 0, count: imageSize)
        var pixel = n * g.outHeight * g.outWidth * g.inChannels
        for oy in 0..<g.outHeight {
          for ox in 0..<g.outWidth {
            body(Window(g, n, oy, ox), pixel)
            pixel += g.inChannels
          }
        }
      }
    }
  }
}
