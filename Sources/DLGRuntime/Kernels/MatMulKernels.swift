import DLGGraph
import DLGKernels

extension MatMul {
  /// The product's sizes for these operand shapes: the left operand's leading axes are rows
  /// (or, transposed, what the product sums over).
  func sizes(_ a: [Int], _ b: [Int]) -> (m: Int, n: Int, k: Int, lda: Int, ldb: Int) {
    let (rowsA, lastA) = (a.dropLast().reduce(1, *), a.last ?? 1)
    let lastB = b.last ?? 1
    let n = transposeB ? b[0] : lastB
    return transposeA
      ? (lastA, n, rowsA, lastA, lastB) : (rowsA, n, lastA, lastA, lastB)
  }
}

extension MatMul: CPUKernel {
  public func matrixProducts(inputs: [[Int]], outputs: [[Int]]) -> [MatrixProduct] {
    let (m, n, k, _, _) = sizes(inputs[0], inputs[1])
    return [MatrixProduct(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)]
  }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let (a, b, c) = (binding.inputs[0], binding.inputs[1], binding.outputs[0])
    let (m, n, k, lda, ldb) = sizes(a.dimensions, b.dimensions)
    let (pa, pb, pc) = (a.floats, b.floats, c.floats)
    let (ta, tb) = (transposeA, transposeB)
    // A few rows against fixed weights: the product is bound by reading them, so stream
    // them packed (int8 when the file was).
    if !ta, !tb, m <= PanelMatrix.maximumRows, ldb == n, lda <= Int(Int32.max),
      n <= Int(Int32.max),
      let panels = binding.packedWeight?(1), panels.k == k, panels.n == n
    {
      return { _ in panels.multiply(m: m, x: pa, ldx: lda, y: pc, ldy: n) }
    }
    return { _ in
      GEMM.multiply(
        transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 1, a: pa, lda: lda, b: pb,
        ldb: ldb, beta: 0, c: pc, ldc: n)
    }
  }
}
