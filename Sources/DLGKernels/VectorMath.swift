import CBLAS

/// exp, tanh, the logistic function and GELU over arrays, for the kernels whose time goes to
/// transcendental functions (softmax, cross-entropy, GELU, recurrent gates). The loops are in
/// C (`vector_math.h`, beside the BLAS shim): 8 lanes per instruction with AVX2 and FMA,
/// several times faster than glibc's scalar `expf` and `tanhf`, and faster than Swift's SIMD
/// types, which round, convert and select lane by lane.
///
/// Accuracy: exp within 2 ulp over [−87, 88] (0 below, where e^x underflows); tanh within
/// 1e-6; enough for training, and the finite-difference gradient checks run on them. A value
/// never depends on where in an array it sits.
public enum VectorMath {
  /// y = e^x for `count` floats (y may be x).
  @inline(__always)
  public static func exp(count: Int, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
    dlg_exp(x, y, count)
  }

  /// y = tanh(x) for `count` floats (y may be x).
  @inline(__always)
  public static func tanh(count: Int, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
    dlg_tanh(x, y, count)
  }

  /// y = 1 / (1 + e^−x) for `count` floats (y may be x).
  @inline(__always)
  public static func sigmoid(
    count: Int, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>
  ) {
    dlg_sigmoid(x, y, count)
  }

  /// y = GELU(x), tanh form, for `count` floats.
  @inline(__always)
  public static func gelu(count: Int, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
    dlg_gelu(x, y, count)
  }

  /// dx = dy · GELU′(x) for `count` floats (dx may be dy).
  @inline(__always)
  public static func geluGradient(
    count: Int, _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
    _ dx: UnsafeMutablePointer<Float>
  ) {
    dlg_gelu_gradient(x, dy, dx, count)
  }

  /// y = e^(x − shift) for `count` floats; returns Σ y (a softmax's denominator).
  @inline(__always)
  public static func shiftedExp(
    count: Int, _ x: UnsafePointer<Float>, minus shift: Float, _ y: UnsafeMutablePointer<Float>
  ) -> Float {
    dlg_shifted_exp(x, shift, y, count)
  }

  /// Σ e^(x − shift) over `count` floats, without storing them (a log-sum-exp).
  @inline(__always)
  public static func sumOfShiftedExp(count: Int, _ x: UnsafePointer<Float>, minus shift: Float)
    -> Float
  {
    dlg_shifted_exp(x, shift, nil, count)
  }
}
