import CVectorKernels

/// The forward convolution and the filter gradient of a layer with few output channels and a
/// long reduction (LeNet's 5×5 filters over 3 and 6 channels into 6 and 16), where the im2col
/// products are too narrow for sgemm and a vector of channels would be mostly empty: vectors
/// along the output row instead, in C on AVX-512 or AVX2 (`few_output_conv.h`). Layers with at
/// most `DirectConvolution.maximumTaps` taps keep that kernel forward, and a layer of exactly 16
/// outputs (LeNet's second) runs forward faster as `ImplicitGEMMConvolution`. The input gradient
/// stays a GEMM: its product is as wide as the filter's taps.
enum FewOutputConvolution {
  /// The C kernel's sizes for a stride-1 layer (the only kind it takes).
  static func sizes(_ g: ConvGeometry) -> dlg_conv_sizes? {
    guard g.strideHeight == 1, g.strideWidth == 1 else { return nil }
    return g.vectorKernelSizes
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
