import DLGGraph
import DLGKernels

extension EmbeddingLookup: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let ids = binding.inputs[0]
    let table = binding.inputs[1]
    let (rows, width) = (table.dimensions[0], table.dimensions[1])
    let (count, pids, ptable, y) = (ids.count, ids.ints, table.floats, binding.outputs[0].floats)
    return { _ in
      for i in 0..<count {
        let id = Int(pids[i])
        if id >= 0, id < rows {
          (y + i * width).update(from: ptable + id * width, count: width)
        } else {
          (y + i * width).update(repeating: 0, count: width)
        }
      }
    }
  }
}

extension EmbeddingGradient: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let ids = binding.inputs[0]
    let output = binding.outputs[0]
    let (rows, width) = (output.dimensions[0], output.dimensions[1])
    let (count, pids, dy, dTable) = (ids.count, ids.ints, binding.inputs[1].floats, output.floats)
    return { _ in
      dTable.update(repeating: 0, count: rows * width)
      for i in 0..<count {
        let id = Int(pids[i])
        guard id >= 0, id < rows else { continue }
        let target = dTable + id * width
        let source = dy + i * width
        for d in 0..<width { target[d] += source[d] }
      }
    }
  }
}
