import CVectorKernels

/// The forward convolution and the filter gradient of a layer with few output channels and a
/// long reduction (LeNet's 5×5 filters over 3 and 6 channels into 6 and 16), where the im2col
/// products are too narrow for sgemm and a vector of channels would be mostly empty: vectors
/// along the output row instead, in C on AVX-512 or AVX2 (`few_output_conv.h`). Layers with at
/// most `DirectConvolution.maximumTaps` taps keep that kernel forward. The input gradient stays
/// a GEMM: its product is as wide as the filter's taps.
enum FewOutputConvolution {
  static func sizes(_ g: ConvGeometry) -> dlg_conv_sizes? {
    let values = [
      g.batch, g.inHeight, g.inWidth, g.inChannels, g.outChannels, g.kernelHeight,
      g.kernelWidth, g.padTop, g.padLeft, g.padBottom, g.padRight, g.outHeight, g.outWidth,
    ]
    // Sizes up to 2^30, so that the C code's sums of them (a padded row, a row rounded up to
    // whole vectors) stay inside an int.
    guard g.strideHeight == 1, g.strideWidth == 1, values.allSatisfy({ $0 >= 0 && $0 <= 1 << 30 })
    else { return nil }
    let v = values.map { Int32($0) }
    return dlg_conv_sizes(
      n: v[0], h: v[1], w: v[2], c: v[3], outc: v[4], kh: v[5], kw: v[6], pad_top: v[7],
      pad_left: v[8], pad_bottom: v[9], pad_right: v[10], oh: v[11], ow: v[12])
  }

  static func applies(to g: ConvGeometry) -> Bool {
    guard !DirectConvolution.applies(to: g), var s = sizes(g) else { return false }
    return dlg_few_output_conv_applies(&s) != 0
  }

  /// The filter gradient takes this kernel for at most 8 output channels: there sgemm's
  /// product is at most 8 columns wide (LeNet's conv1, 6: 1.12 ms through sgemm, 0.56 ms here
  /// at batch 64), while at 16 its blocking wins (conv2: 0.25 ms against 0.84 ms here).
  static func appliesToFilterGradient(_ g: ConvGeometry) -> Bool {
    g.outChannels <= 8 && applies(to: g)
  }

  /// y = act(conv(x, w) + bias), output rows split over threads.
  static func forward(
    _ g: ConvGeometry, input: UnsafePointer<Float>, filter: UnsafePointer<Float>,
    output: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, activation: Activation
  ) {
    guard var s = sizes(g) else { return }
    let rows = g.batch * g.outHeight
    let scratch = Int(dlg_few_output_conv_scratch(&s))
    // A part is at least 2^15 multiply-adds: less is cheaper on one thread than dispatched.
    let perRow = max(1, g.outWidth * g.outChannels * g.patchColumns)
    let relu: Int32 = activation == .relu ? 1 : 0
    ThreadBudget.parallelFor(count: rows, minimumChunk: max(1, (1 << 15) / perRow)) { range in
      withUnsafeTemporaryAllocation(of: Float.self, capacity: scratch) { planes in
        var s = s
        dlg_few_output_conv(
          &s, input, filter, bias, relu, range.lowerBound, range.upperBound, output,
          planes.baseAddress!)
      }
    }
  }

  /// dFilter = Σ over the batch, split into `g.parts` parts: each adds its images into its own
  /// partial sum, and the partials are added in part order, so the thread count changes
  /// nothing in deterministic mode.
  static func backwardFilter(
    _ g: ConvGeometry, input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
    filterGradient: UnsafeMutablePointer<Float>
  ) {
    guard var s = sizes(g) else { return }
    let size = g.patchColumns * g.outChannels
    let parts = g.parts
    let scratch = Int(dlg_few_output_conv_filter_gradient_scratch(&s))
    ScratchPool.shared.withBuffer(count: max(parts - 1, 1) * size) { partials in
      let sums = { (part: Int) in part == 0 ? filterGradient : partials + (part - 1) * size }
      ThreadBudget.forEachPart(parts) { part in
        let sum = sums(part)
        sum.update(repeating: 0, count: size)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: scratch) { planes in
          var s = s
          dlg_few_output_conv_filter_gradient(
            &s, input, outputGradient, g.batch * part / parts, g.batch * (part + 1) / parts, sum,
            planes.baseAddress!)
        }
      }
      for part in 1..<max(parts, 1) {
        Elementwise.accumulate(count: size, partials + (part - 1) * size, into: filterGradient)
      }
    }
  }
}
