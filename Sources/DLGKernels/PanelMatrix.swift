import CVectorKernels

/// A `[k, n]` weight matrix packed once into panels of 16 columns, f32 or int8 with one scale
/// per column (a Dense layer's weights from a `dlg quantize`d file), that products of a few
/// rows stream in order (see `panel_matmul.h`). Such a product reads every weight once and
/// does little with it, so its time is the time to read the weights: panels read them in one
/// pass, and int8 reads a quarter of the bytes.
public final class PanelMatrix: @unchecked Sendable {
  public let k: Int
  public let n: Int
  /// Panels of 16 columns: `(n + 15) / 16`.
  public let panelCount: Int
  private let storage: Storage

  private enum Storage {
    case int8(values: UnsafeMutablePointer<Int8>, scales: UnsafeMutablePointer<Float>)
    case float32(UnsafeMutablePointer<Float>)
  }

  /// Products of at most this many rows read the panels; larger ones do enough work per
  /// weight for sgemm's blocking to be faster. With AVX-512 a panel's 16 columns are one
  /// register and 16 rows share each weight loaded, which beats sgemm up to 64 rows (measured
  /// in docs/performance.md); with AVX2, up to 16.
  /// (What the CPU has, whatever a test's cap on the lanes: the kernels take any row count.)
  public static let maximumRows = VectorLanes.available >= 16 ? 64 : 16

  /// Packs int8 `values` (row-major `[k, n]`) and their column `scales`; nil when the counts
  /// do not match the shape.
  public init?(k: Int, n: Int, int8 values: UnsafeBufferPointer<Int8>, scales: [Float]) {
    guard let panelCount = Self.panels(k: k, n: n), values.count == k * n, scales.count == n
    else { return nil }
    (self.k, self.n, self.panelCount) = (k, n, panelCount)
    let packed = Self.pack(values.baseAddress!, k: k, n: n, ld: n, panels: panelCount, zero: 0)
    let scaled = UnsafeMutablePointer<Float>.allocate(capacity: panelCount * 16)
    scaled.initialize(repeating: 0, count: panelCount * 16)
    scaled.update(from: scales, count: n)
    storage = .int8(values: packed, scales: scaled)
  }

  /// Packs f32 `values`: `k` rows of `n`, `ld` apart.
  public init?(k: Int, n: Int, float32 values: UnsafePointer<Float>, ld: Int) {
    guard let panelCount = Self.panels(k: k, n: n), ld >= n else { return nil }
    (self.k, self.n, self.panelCount) = (k, n, panelCount)
    storage = .float32(Self.pack(values, k: k, n: n, ld: ld, panels: panelCount, zero: 0))
  }

  deinit {
    switch storage {
    case .int8(let values, let scales):
      values.deallocate()
      scales.deallocate()
    case .float32(let values): values.deallocate()
    }
  }

  /// The panel count of a `[k, n]` matrix, or nil for an empty one or one too large for the
  /// kernels' 32-bit sizes.
  private static func panels(k: Int, n: Int) -> Int? {
    guard k > 0, n > 0, k <= Int(Int32.max) / 16, n <= Int(Int32.max) - 15 else { return nil }
    return (n + 15) / 16
  }

  private static func pack<T>(
    _ values: UnsafePointer<T>, k: Int, n: Int, ld: Int, panels: Int, zero: T
  ) -> UnsafeMutablePointer<T> {
    let packed = UnsafeMutablePointer<T>.allocate(capacity: panels * k * 16)
    packed.initialize(repeating: zero, count: panels * k * 16)
    for row in 0..<k {
      for column in 0..<n {
        let (panel, lane) = column.quotientAndRemainder(dividingBy: 16)
        packed[(panel * k + row) * 16 + lane] = values[row * ld + column]
      }
    }
    return packed
  }

  /// True for int8 panels.
  public var isInt8: Bool {
    if case .int8 = storage { return true }
    return false
  }

  /// `y[m, n] = x[m, k] · weights` (dequantized for int8), row strides `ldx` and `ldy`; split
  /// across threads by panels of columns when the work is worth sharing. Each column is
  /// summed by one thread in one order, so results do not depend on the thread count.
  public func multiply(
    m: Int, x: UnsafePointer<Float>, ldx: Int, y: UnsafeMutablePointer<Float>, ldy: Int
  ) {
    guard m > 0, m <= Int(Int32.max), ldx <= Int(Int32.max), ldy <= Int(Int32.max) else {
      return
    }
    let (rows, k, n, ldx, ldy) = (Int32(m), Int32(k), Int32(n), Int32(ldx), Int32(ldy))
    let storage = self.storage
    // A part is at least 64K multiply-adds: less is cheaper on one thread than dispatched.
    let perPanel = max(1, Int(k) * 16 * m)
    ThreadBudget.parallelFor(count: panelCount, minimumChunk: max(1, (1 << 16) / perPanel)) {
      range in
      let (first, last) = (Int32(range.lowerBound), Int32(range.upperBound))
      switch storage {
      case .int8(let values, let scales):
        dlg_int8_panels_matmul(rows, k, n, x, ldx, values, scales, first, last, y, ldy)
      case .float32(let values):
        dlg_f32_panels_matmul(rows, k, n, x, ldx, values, first, last, y, ldy)
      }
    }
  }

}
