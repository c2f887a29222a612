import DLGGraph
import DLGKernels

extension BatchedMatMul: CPUKernel {
  /// The matrices of one product and how many there are.
  private func shape(_ a: [Int], _ b: [Int], _ c: [Int]) -> (batches: Int, m: Int, n: Int, k: Int) {
    let r = c.count
    return (c.dropLast(2).reduce(1, *), c[r - 2], c[r - 1], transposeA ? a[r - 2] : a[r - 1])
  }

  /// All the batch's products as one of `batches · M` rows, for FLOP counts.
  public func matrixProducts(inputs: [[Int]], outputs: [[Int]]) -> [MatrixProduct] {
    let (batches, m, n, k) = shape(inputs[0], inputs[1], outputs[0])
    return [
      MatrixProduct(m: batches * m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
    ]
  }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let (a, b, c) = (binding.inputs[0], binding.inputs[1], binding.outputs[0])
    let (batches, m, n, k) = shape(a.dimensions, b.dimensions, c.dimensions)
    let (lda, ldb) = (a.dimensions.last!, b.dimensions.last!)
    let (sizeA, sizeB) = (m * k, k * n)
    let (pa, pb, pc) = (UnsafePointer(a.floats), UnsafePointer(b.floats), c.floats)
    let (ta, tb) = (transposeA, transposeB)
    return { _ in
      // One product per matrix pair, the pairs split across threads: each is computed whole
      // by one thread, so results do not depend on how many there are.
      ThreadBudget.parallelFor(count: batches, minimumChunk: max(1, 32_768 / max(m * n * k, 1))) {
        range in
        for i in range {
          GEMM.sgemm(
            ta, tb, m, n, k, 1, pa + i * sizeA, lda, pb + i * sizeB, ldb, 0, pc + i * m * n, n)
        }
      }
    }
  }
}

extension Transpose: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let (x, y) = (binding.inputs[0], binding.outputs[0])
    let (dimensions, permutation) = (x.dimensions, permutation)
    let (px, py) = (UnsafePointer(x.floats), y.floats)
    return { _ in
      TensorLayout.transpose(px, dimensions: dimensions, permutation: permutation, output: py)
    }
  }
}

extension ReduceSum: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let (outer, extent, inner) = around(axis, binding.inputs[0].dimensions)
    let (px, py) = (UnsafePointer(binding.inputs[0].floats), binding.outputs[0].floats)
    return { _ in TensorLayout.sum(px, outer: outer, extent: extent, inner: inner, output: py) }
  }
}

extension Broadcast: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let (outer, extent, inner) = around(axis, binding.outputs[0].dimensions)
    let (px, py) = (UnsafePointer(binding.inputs[0].floats), binding.outputs[0].floats)
    return { _ in
      TensorLayout.broadcast(px, outer: outer, extent: extent, inner: inner, output: py)
    }
  }
}

extension CausalMask: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let x = binding.inputs[0]
    let length = x.dimensions.last ?? 1
    let matrices = x.count / max(length * length, 1)
    let (px, py, fill) = (UnsafePointer(x.floats), binding.outputs[0].floats, fill)
    return { _ in
      for m in 0..<matrices {
        let (source, target) = (px + m * length * length, py + m * length * length)
        for query in 0..<length {
          let row = query * length
          // Keys up to the query's own position stay; later ones are hidden.
          if source != UnsafePointer(target) {
            (target + row).update(from: source + row, count: query + 1)
          }
          (target + row + query + 1).update(repeating: fill, count: length - query - 1)
        }
      }
    }
  }
}
