/// The forward convolution without the patch matrix, for filters with few taps (`kH·kW·Cin` at
/// most `maximumTaps`: a first layer over one or three channels). With so short a reduction the
/// patch matrix costs as much as the product (the Fashion-MNIST CNN's 9-tap convolution ran at
/// 55-70% of a bare sgemm's speed through it); here four neighbouring output pixels read their
/// windows in place and multiply them into vectors of output channels (0.17 ms against
/// 0.28 ms for that layer at batch 32). The filter gradient, whose reduction runs over every
/// pixel of the batch, stays a GEMM: the same trick measured twice as slow there.
enum DirectConvolution {
  typealias Vector = SIMD16<Float>
  static let maximumTaps = 32

  static func applies(to g: ConvGeometry) -> Bool { g.patchColumns <= maximumTaps }

  /// y = act(conv(x, w) + bias), images split over threads.
  static func forward(
    _ g: ConvGeometry, input: UnsafePointer<Float>, filter: UnsafePointer<Float>,
    output: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, activation: Activation
  ) {
    let (taps, cout) = (g.patchColumns, g.outChannels)
    let (pixels, imageSize) = (g.outHeight * g.outWidth, g.inHeight * g.inWidth * g.inChannels)
    let relu = activation == .relu
    let minimumImages = max(1, (1 << 15) / max(pixels * cout, 1))
    // A zero bias when there is none, so the loop has no branch on it.
    withUnsafeTemporaryAllocation(of: Float.self, capacity: cout) { zeros in
      zeros.initialize(repeating: 0)
      let shift = bias ?? UnsafePointer(zeros.baseAddress!)
      ThreadBudget.parallelFor(count: g.batch, minimumChunk: minimumImages) { images in
        // Four neighbouring pixels of a row at a time: four independent sums per filter
        // vector, so the multiply-adds overlap instead of waiting on each other. Windows
        // inside the image are read in place; the others are gathered with their zeros.
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * taps) { patchBuffer in
          let patch = patchBuffer.baseAddress!
          let rowTaps = g.kernelWidth * g.inChannels
          let step = g.strideWidth * g.inChannels
          for n in images {
            let image = input + n * imageSize
            var y = output + n * pixels * cout
            for oy in 0..<g.outHeight {
              let top = oy * g.strideHeight - g.padTop
              let rowsInside = top >= 0 && top + g.kernelHeight <= g.inHeight
              var ox = 0
              while ox < g.outWidth {
                let count = min(4, g.outWidth - ox)
                let left = ox * g.strideWidth - g.padLeft
                let inside =
                  rowsInside && left >= 0
                  && left + (count - 1) * g.strideWidth + g.kernelWidth <= g.inWidth
                // The four windows' first inputs, and the distance between windows.
                var base: UnsafePointer<Float>
                var spacing: Int
                var rowStride: Int
                if inside {
                  base = image + (top * g.inWidth + left) * g.inChannels
                  (spacing, rowStride) = (step, g.inWidth * g.inChannels)
                } else {
                  for k in 0..<4 {
                    g.gatherWindow(of: image, oy, ox + min(k, count - 1), into: patch + k * taps)
                  }
                  base = UnsafePointer(patch)
                  (spacing, rowStride) = (taps, rowTaps)
                }
                // Windows past the last pixel repeat it, so nothing is read outside the input.
                let (o1, o2, o3) = (
                  min(1, count - 1) * spacing, min(2, count - 1) * spacing,
                  min(3, count - 1) * spacing
                )
                var c = 0
                while c + 16 <= cout {
                  let start = Elementwise.load(shift + c)
                  var (s0, s1, s2, s3) = (start, start, start, start)
                  var w = filter + c
                  var row = base
                  for _ in 0..<g.kernelHeight {
                    for j in 0..<rowTaps {
                      let v = Elementwise.load(w)
                      s0 += row[j] * v
                      s1 += row[j + o1] * v
                      s2 += row[j + o2] * v
                      s3 += row[j + o3] * v
                      w += cout
                    }
                    row += rowStride
                  }
                  if relu {
                    s0 = s0.replacing(with: 0, where: s0 .< 0)
                    s1 = s1.replacing(with: 0, where: s1 .< 0)
                    s2 = s2.replacing(with: 0, where: s2 .< 0)
                    s3 = s3.replacing(with: 0, where: s3 .< 0)
                  }
                  Elementwise.store(s0, y + c)
                  if count > 1 { Elementwise.store(s1, y + cout + c) }
                  if count > 2 { Elementwise.store(s2, y + 2 * cout + c) }
                  if count > 3 { Elementwise.store(s3, y + 3 * cout + c) }
                  c += 16
                }
                while c < cout {
                  for k in 0..<count {
                    var sum = shift[c]
                    var row = base + k * spacing
                    var tap = 0
                    for _ in 0..<g.kernelHeight {
                      for j in 0..<rowTaps {
                        sum += row[j] * filter[tap * cout + c]
                        tap += 1
                      }
                      row += rowStride
                    }
                    y[k * cout + c] = relu ? max(sum, 0) : sum
                  }
                  c += 1
                }
                y += count * cout
                ox += count
              }
            }
          }
        }
      }
    }
  }
}
