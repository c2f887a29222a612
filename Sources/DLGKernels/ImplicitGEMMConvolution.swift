import CVectorKernels

/// The forward convolution of layers with a multiple of 16 output channels, as the im2col
/// product without the patch matrix: tiles of output pixels times blocks of output channels
/// whose sums stay in registers, each window read where it lies in the input (or a padded
/// copy), in C on AVX-512 or AVX2 (`implicit_gemm_conv.h`). The CIFAR-10 CNN's 32 → 64 layer
/// runs at 1.37× a bare sgemm of its im2col product on one thread. It also takes the short filters of first layers (3 → 32
/// over 27 taps) that `DirectConvolution` took, with twice the independent sums. The backward
/// passes stay GEMMs: their reductions run over every pixel of the batch, where sgemm's
/// blocking wins.
enum ImplicitGEMMConvolution {
  static func applies(to g: ConvGeometry) -> Bool {
    guard var s = g.vectorKernelSizes else { return false }
    return dlg_implicit_gemm_conv_applies(&s) != 0
  }

  /// y = act(conv(x, w) + bias), output rows split over threads.
  static func forward(
    _ g: ConvGeometry, input: UnsafePointer<Float>, filter: UnsafePointer<Float>,
    output: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, activation: Activation
  ) {
    guard var s = g.vectorKernelSizes else { return }
    let rows = g.batch * g.outHeight
    let scratch = Int(dlg_implicit_gemm_conv_scratch(&s))
    // A part is at least 2^16 multiply-adds: less is cheaper on one thread than dispatched.
    let perRow = max(1, g.outWidth * g.outChannels * g.patchColumns)
    let relu: Int32 = activation == .relu ? 1 : 0
    ThreadBudget.parallelFor(count: rows, minimumChunk: max(1, (1 << 16) / perRow)) { range in
      withUnsafeTemporaryAllocation(of: Float.self, capacity: scratch) { windows in
        var s = s
        dlg_implicit_gemm_conv(
          &s, input, filter, bias, relu, range.lowerBound, range.upperBound, output,
          windows.baseAddress!)
      }
    }
  }
}
