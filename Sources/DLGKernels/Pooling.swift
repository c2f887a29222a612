/// Max and average pooling over NHWC images; the window, stride and padding are described by
/// a `ConvGeometry` whose channel counts are equal (pooling keeps the channels).
///
/// In NHWC the channels of one pixel are contiguous, so every loop runs over channels in
/// 16-wide vectors (one AVX-512 register) with a scalar tail, one output pixel at a time, and
/// the window positions are visited once per pixel rather than once per channel.
public enum Pooling {
  typealias Vector = SIMD16<Float>
  static let width = 16

  /// y = the maximum of each window (padding never wins).
  public static func maxForward(
    _ g: ConvGeometry, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>
  ) {
    let channels = g.inChannels
    forEachPixel(g) { window, pixel in
      let y = output + pixel
      var c = 0
      while c + width <= channels {
        var best = Vector(repeating: -.infinity)
        window.forEachOffset { offset in
          // A compare and a blend: `pointwiseMax` goes lane by lane for NaN rules.
          let x = Elementwise.load(input + offset + c)
          best = best.replacing(with: x, where: x .> best)
        }
        Elementwise.store(best, y + c)
        c += width
      }
      while c < channels {
        var best = -Float.infinity
        window.forEachOffset { offset in best = max(best, input[offset + c]) }
        y[c] = best
        c += 1
      }
    }
  }

  /// dx: each window's gradient goes to the first position holding its maximum (as the
  /// forward pass picked it), added to what overlapping windows routed there.
  public static func maxBackward(
    _ g: ConvGeometry, input: UnsafePointer<Float>, output: UnsafePointer<Float>,
    outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>
  ) {
    let channels = g.inChannels
    forEachPixel(g, zeroing: inputGradient) { window, out in
      var c = 0
      while c + width <= channels {
        let best = Elementwise.load(output + out + c)
        let gradient = Elementwise.load(outputGradient + out + c)
        // Lanes whose maximum has been found already route nothing more.
        var pending = SIMDMask<SIMD16<Int32>>(repeating: true)
        window.forEachOffset { offset in
          let hit = pending .& (Elementwise.load(input + offset + c) .== best)
          guard any(hit) else { return }
          let target = inputGradient + offset + c
          Elementwise.store(
            Elementwise.load(target)
              + Vector(repeating: 0).replacing(with: gradient, where: hit), target)
          pending .&= .!hit
        }
        c += width
      }
      while c < channels {
        var routed = false
        window.forEachOffset { offset in
          if !routed, input[offset + c] == output[out + c] {
            inputGradient[offset + c] += outputGradient[out + c]
            routed = true
          }
        }
        c += 1
      }
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
