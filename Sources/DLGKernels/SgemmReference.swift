import CBLAS
import Dispatch

/// A bare OpenBLAS sgemm, with OpenBLAS's own threads, timed on a matrix product's shape: the
/// ceiling a kernel built on that product is judged against (`dlg bench --kernels`).
public enum SgemmReference {
  /// Median seconds of one `cblas_sgemm` of `product`'s shape on `threads` OpenBLAS threads,
  /// after a warm-up call. OpenBLAS goes back to one thread afterwards (see `ThreadBudget`).
  public static func seconds(_ product: MatrixProduct, threads: Int, repetitions: Int = 20)
    -> Double
  {
    let (m, n, k) = (product.m, product.n, product.k)
    let a = UnsafeMutablePointer<Float>.allocate(capacity: m * k)
    let b = UnsafeMutablePointer<Float>.allocate(capacity: k * n)
    let c = UnsafeMutablePointer<Float>.allocate(capacity: m * n)
    defer {
      a.deallocate()
      b.deallocate()
      c.deallocate()
    }
    a.initialize(repeating: 0.5, count: m * k)
    b.initialize(repeating: 0.25, count: k * n)
    c.initialize(repeating: 0, count: m * n)
    openblas_set_num_threads(Int32(max(threads, 1)))
    defer { openblas_set_num_threads(1) }
    let (lda, ldb) = (product.transposeA ? m : k, product.transposeB ? k : n)
    func call() {
      GEMM.sgemm(
        product.transposeA, product.transposeB, m, n, k, 1, a, lda, b, ldb, 0, c, n)
    }
    call()
    var times: [Double] = []
    for _ in 0..<max(repetitions, 1) {
      let start = DispatchTime.now().uptimeNanoseconds
      call()
      times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return times.sorted()[times.count / 2]
  }
}
