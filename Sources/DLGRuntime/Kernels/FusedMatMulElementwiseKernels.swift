import DLGGraph
import DLGKernels

extension FusedMatMulElementwise: CPUKernel {
  public func matrixProducts(inputs: [[Int]], outputs: [[Int]]) -> [MatrixProduct] {
    let (m, n, _, _, _) = matMul.sizes(inputs[0], inputs[1])
    return matMul.matrixProducts(inputs: [inputs[0], inputs[1]], outputs: [[m, n]])
  }

  /// Rows per block: 32 K floats of product, inside L2 with the loop's inputs.
  static func blockRows(columns: Int) -> Int { max(1, 32_768 / max(columns, 1)) }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let (a, b) = (binding.inputs[0], binding.inputs[1])
    let (ta, tb) = (matMul.transposeA, matMul.transposeB)
    let (m, n, k, lda, ldb) = matMul.sizes(a.dimensions, b.dimensions)
    let (pa, pb) = (UnsafePointer(a.floats), UnsafePointer(b.floats))
    let rest = binding.inputs.dropFirst(2).map { UnsafePointer($0.floats) }
    let outputs = binding.outputs.map(\.floats)
    let (program, slot) = (KernelTable.compile(loop.program), productSlot)
    let rows = Self.blockRows(columns: n)
    return { _ in
      // Blocks, not thread counts, fix which rows go together: results do not depend on
      // how many threads run them.
      let blocks = (m + rows - 1) / rows
      let parts = ThreadBudget.parts(count: blocks, minimumChunk: 1)
      ScratchPool.shared.withBuffer(count: parts * rows * n) { scratch in
        ThreadBudget.forEachPart(parts) { part in
          let block = scratch + part * rows * n
          var inputs = rest
          inputs.insert(pa, at: slot)  // replaced below, block by block
          for index in blocks * part / parts..<blocks * (part + 1) / parts {
            let first = index * rows
            let count = min(rows, m - first)
            GEMM.sgemm(
              ta, tb, count, n, k, 1, ta ? pa + first : pa + first * lda, lda, pb, ldb, 0,
              block, n)
            // The loop reads element i of the product at `inputs[slot] + i`.
            inputs[slot] = UnsafePointer(block) - first * n
            program.runSerially(
              elements: first * n..<(first + count) * n, columns: n, inputs: inputs,
              outputs: outputs)
          }
        }
      }
    }
  }
}
