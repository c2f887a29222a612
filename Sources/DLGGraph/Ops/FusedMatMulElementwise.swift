import DLGKernels

/// A matrix product whose only reader is an elementwise loop (a weight gradient feeding its
/// optimizer update), computed block of rows by block of rows, each block consumed by the loop
/// while it is still in cache: the product is never written to memory whole. Inputs: the
/// product's two operands, then the loop's other inputs; outputs: the loop's.
public struct FusedMatMulElementwise: NonDifferentiable {
  public var matMul: MatMul
  public var loop: FusedElementwise
  /// Which of the loop's inputs is the product.
  public var productSlot: Int
  /// The product's name, for diagrams.
  public var productName: String

  public init(matMul: MatMul, loop: FusedElementwise, productSlot: Int, productName: String) {
    self.matMul = matMul
    self.loop = loop
    self.productSlot = productSlot
    self.productName = productName
  }

  public var name: String { "FusedMatMulElementwise" }
  public var attributeSummary: String { "MatMul + " + loop.attributeSummary }
  public var fusionClass: FusionClass { .opaque }
  public var family: OpFamily { loop.family }

  /// Node input index of loop input `slot` (the product is not a node input).
  func nodeInput(_ slot: Int) -> Int { slot < productSlot ? 2 + slot : 1 + slot }

  public var mutatedInputs: [Int] {
    loop.program.stores.map { nodeInput($0.input) }
  }

  public func outputTypes(for inputs: [TensorType]) throws(ShapeError) -> [TensorType] {
    _ = try matMul.outputTypes(for: Array(inputs[0..<2]))
    return loop.resultTypes
  }

  public func matrixProducts(inputs: [[Int]], outputs: [[Int]]) -> [MatrixProduct] {
    let (a, b) = (inputs[0], inputs[1])
    let m = matMul.transposeA ? a[1] : a[0]
    let n = matMul.transposeB ? b[0] : b[1]
    return matMul.matrixProducts(inputs: [a, b], outputs: [[m, n]])
  }

  /// Rows per block: 32 K floats of product, inside L2 with the loop's inputs.
  static func blockRows(columns: Int) -> Int { max(1, 32_768 / max(columns, 1)) }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let (a, b) = (binding.inputs[0], binding.inputs[1])
    let (ta, tb) = (matMul.transposeA, matMul.transposeB)
    let m = ta ? a.dimensions[1] : a.dimensions[0]
    let k = ta ? a.dimensions[0] : a.dimensions[1]
    let n = tb ? b.dimensions[0] : b.dimensions[1]
    let (lda, ldb) = (a.dimensions[1], b.dimensions[1])
    let (pa, pb) = (UnsafePointer(a.floats), UnsafePointer(b.floats))
    let rest = binding.inputs.dropFirst(2).map { UnsafePointer($0.floats) }
    let outputs = binding.outputs.map(\.floats)
    let (program, slot) = (loop.program, productSlot)
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
