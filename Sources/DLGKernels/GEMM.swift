import CBLAS

/// Single-precision matrix products through OpenBLAS, split across the thread budget by dlg
/// itself (OpenBLAS runs single-threaded; see `ThreadBudget`).
///
/// How a product is split follows its shape. Splitting the rows (m) or columns (n) of C gives
/// each thread an independent slice. When the reduction dimension dominates (the Dense forward
/// pass of the Fashion-MNIST CNN: m 32, n 128, k 21632), each thread instead multiplies half of
/// k into its own partial C and the partials are summed: both threads then stream disjoint
/// halves of the large operands, which is what a memory-bound skinny product needs.
/// The sizes of one matrix product `C[m×n] = op(A)[m×k] · op(B)[k×n]`: what an op reports so
/// `dlg bench` can count FLOPs and compare the op with a bare sgemm of the same shape.
public struct MatrixProduct: Sendable, Hashable, CustomStringConvertible {
  public var m, n, k: Int
  public var transposeA, transposeB: Bool

  public init(m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false) {
    (self.m, self.n, self.k) = (m, n, k)
    (self.transposeA, self.transposeB) = (transposeA, transposeB)
  }

  /// Multiply-adds count twice, as everyone reports GEMM speed.
  public var flops: Int { 2 * m * n * k }

  public var description: String {
    "\(m)×\(k)\(transposeA ? "ᵀ" : "") · \(k)×\(n)\(transposeB ? "ᵀ" : "")"
  }
}

public enum GEMM {
  /// Below this many multiply-adds a product runs on one thread: dispatch would cost more.
  static let parallelThreshold = 1 << 18

  /// C[m×n] = alpha · op(A) · op(B) + beta · C, row-major; op transposes when its flag is set.
  /// `lda`, `ldb`, `ldc` are the row strides of A, B and C as stored.
  public static func multiply(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    guard m > 0, n > 0 else { return }
    let small = m * n * k < parallelThreshold
    if !small, k >= 4 * max(m, n) {
      let parts = ThreadBudget.parts(count: k, minimumChunk: 64)
      if parts > 1 {
        splitK(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, parts)
        return
      }
    } else if !small, m >= n {
      let parts = ThreadBudget.parts(count: m, minimumChunk: 8)
      if parts > 1 {
        ThreadBudget.forEachPart(parts) { part in
          let rows = m * part / parts..<m * (part + 1) / parts
          let aSlice = transposeA ? a + rows.lowerBound : a + rows.lowerBound * lda
          sgemm(
            transposeA, transposeB, rows.count, n, k, alpha, aSlice, lda, b, ldb, beta,
            c + rows.lowerBound * ldc, ldc)
        }
        return
      }
    } else if !small {
      let parts = ThreadBudget.parts(count: n, minimumChunk: 16)
      if parts > 1 {
        ThreadBudget.forEachPart(parts) { part in
          let columns = n * part / parts..<n * (part + 1) / parts
          let bSlice = transposeB ? b + columns.lowerBound * ldb : b + columns.lowerBound
          sgemm(
            transposeA, transposeB, m, columns.count, k, alpha, a, lda, bSlice, ldb, beta,
            c + columns.lowerBound, ldc)
        }
        return
      }
    }
    sgemm(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
  }

  /// Each part multiplies a slice of k; the first writes C, the others private partials that
  /// are then added into C in part order.
  private static func splitK(
    _ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
    _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ beta: Float,
    _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ parts: Int
  ) {
    ScratchPool.shared.withBuffer(count: (parts - 1) * m * n) { partials in
      ThreadBudget.forEachPart(parts) { part in
        let slice = k * part / parts..<k * (part + 1) / parts
        let aSlice = ta ? a + slice.lowerBound * lda : a + slice.lowerBound
        let bSlice = tb ? b + slice.lowerBound : b + slice.lowerBound * ldb
        if part == 0 {
          sgemm(ta, tb, m, n, slice.count, alpha, aSlice, lda, bSlice, ldb, beta, c, ldc)
        } else {
          sgemm(
            ta, tb, m, n, slice.count, alpha, aSlice, lda, bSlice, ldb, 0,
            partials + (part - 1) * m * n, n)
        }
      }
      for part in 1..<max(parts, 1) {
        let partial = partials + (part - 1) * m * n
        for row in 0..<m {
          Elementwise.accumulate(count: n, partial + row * n, into: c + row * ldc)
        }
      }
    }
  }

  @inline(__always)
  public static func sgemm(
    _ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
    _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ beta: Float,
    _ c: UnsafeMutablePointer<Float>, _ ldc: Int
  ) {
    cblas_sgemm(
      CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
      blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c,
      blasint(ldc))
  }
}
