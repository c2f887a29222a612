import DLGGraph
import DLGKernels

extension MatMul: CPUKernel {
  public func matrixProducts(inputs: [[Int]], outputs: [[Int]]) -> [MatrixProduct] {
    [
      MatrixProduct(
        m: outputs[0][0], n: outputs[0][1], k: transposeA ? inputs[0][0] : inputs[0][1],
        transposeA: transposeA, transposeB: transposeB)
    ]
  }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let a = binding.inputs[0]
    let b = binding.inputs[1]
    let c = binding.outputs[0]
    let m = c.dimensions[0]
    let n = c.dimensions[1]
    let k = transposeA ? a.dimensions[0] : a.dimensions[1]
    let (lda, ldb) = (a.dimensions[1], b.dimensions[1])
    let (pa, pb, pc) = (a.floats, b.floats, c.floats)
    let (ta, tb) = (transposeA, transposeB)
    return { _ in
      GEMM.multiply(
        transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 1, a: pa, lda: lda, b: pb,
        ldb: ldb, beta: 0, c: pc, ldc: n)
    }
  }
}
