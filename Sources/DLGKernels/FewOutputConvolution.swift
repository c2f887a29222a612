import CVectorKernels

/// The forward convolution of a layer with few output channels and a long reduction (LeNet's
/// 5×5 filters over 3 and 6 channels into 6 and 16), where the im2col product is too narrow
/// for sgemm and a vector of channels would be mostly empty: vectors along the output row
/// instead, in C on AVX-512 or AVX2 (`few_output_conv.h`). Layers with at most
/// `DirectConvolution.maximumTaps` taps keep that kernel.
enum FewOutputConvolution {
  static func sizes(_ g: ConvGeometry) -> dlg_conv_sizes? {
    let values = [
      g.batch, g.inHeight, g.inWidth, g.inChannels, g.outChannels, g.kernelHeight,
      g.kernelWidth, g.padTop, g.padLeft, g.padBottom, g.padRight, g.outHeight, g.outWidth,
    ]
    guard g.strideHeight == 1, g.strideWidth == 1,
      values.allSatisfy({ $0 >= 0 && $0 <= Int(Int32.max) })
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
}
