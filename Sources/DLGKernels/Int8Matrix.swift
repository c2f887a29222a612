import CInt8Kernels

/// A `[k, n]` weight matrix in int8 with one scale per column (a Dense layer's weights from a
/// `dlg quantize`d file), packed once into panels of 16 columns that the product streams in
/// order (see `int8_matmul.h`). Products with few rows read it instead of the f32 weights:
/// they are bound by the bytes of weights they read, and int8 has a quarter of them.
public final class Int8Matrix: @unchecked Sendable {
  public let k: Int
  public let n: Int
  /// Panels of 16 columns: `(n + 15) / 16`.
  public let panelCount: Int
  private let panels: UnsafeMutablePointer<Int8>
  private let scales: UnsafeMutablePointer<Float>

  /// Products of at most this many rows read the int8 panels; larger ones do enough work per
  /// weight for sgemm on the f32 weights to be faster.
  public static let maximumRows = 8

  /// Packs `values` (row-major `[k, n]`) and their column `scales`.
  public init(k: Int, n: Int, values: UnsafeBufferPointer<Int8>, scales: [Float]) {
    precondition(values.count == k * n && scales.count == n, "int8 matrix of the wrong size")
    (self.k, self.n, panelCount) = (k, n, (n + 15) / 16)
    panels = .allocate(capacity: max(1, panelCount * k * 16))
    panels.initialize(repeating: 0, count: max(1, panelCount * k * 16))
    self.scales = .allocate(capacity: max(1, panelCount * 16))
    self.scales.initialize(repeating: 0, count: max(1, panelCount * 16))
    for column in 0..<n {
      let (panel, lane) = column.quotientAndRemainder(dividingBy: 16)
      self.scales[column] = scales[column]
      for row in 0..<k { panels[(panel * k + row) * 16 + lane] = values[row * n + column] }
    }
  }

  deinit {
    panels.deallocate()
    scales.deallocate()
  }

  /// `y[m, n] = x[m, k] · (weights · scales)`, row strides `ldx` and `ldy`; split across
  /// threads by panels of columns when the work is worth sharing. Each column is summed by
  /// one thread in one order, so results do not depend on the thread count.
  public func multiply(
    m: Int, x: UnsafePointer<Float>, ldx: Int, y: UnsafeMutablePointer<Float>, ldy: Int
  ) {
    guard m > 0, n > 0 else { return }
    let (k, n, panels, scales) = (Int32(k), Int32(n), self.panels, self.scales)
    // A part is at least 64K multiply-adds: less is cheaper on one thread than dispatched.
    let perPanel = max(1, Int(k) * 16 * m)
    ThreadBudget.parallelFor(count: panelCount, minimumChunk: max(1, (1 << 16) / perPanel)) {
      range in
      dlg_int8_matmul_panels(
        Int32(m), k, n, x, Int32(ldx), panels, scales, Int32(range.lowerBound),
        Int32(range.upperBound), y, Int32(ldy))
    }
  }

  /// True when the AVX2 path runs on this CPU (else a portable loop does).
  public static var usesAVX2: Bool { dlg_int8_matmul_uses_avx2() != 0 }
}
