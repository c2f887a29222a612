import DLGGraph
import DLGKernels

/// `dimensions` seen as `[outer, extent, inner]` around `axis` (negative from the end).
func around(_ axis: Int, _ dimensions: [Int]) -> (outer: Int, extent: Int, inner: Int) {
  let a = axis < 0 ? axis + dimensions.count : axis
  return (dimensions[..<a].reduce(1, *), dimensions[a], dimensions[(a + 1)...].reduce(1, *))
}

extension Concat: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let (outer, total, inner) = around(axis, binding.outputs[0].dimensions)
    // Each input is a block of extent·inner floats per outer index, placed side by side.
    let parts = binding.inputs.map { ($0.floats, around(axis, $0.dimensions).extent * inner) }
    let (y, row) = (binding.outputs[0].floats, total * inner)
    return { _ in
      for o in 0..<outer {
        var offset = 0
        for (x, block) in parts {
          (y + o * row + offset).update(from: x + o * block, count: block)
          offset += block
        }
      }
    }
  }
}

extension Slice: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let (outer, total, inner) = around(axis, binding.inputs[0].dimensions)
    let (x, y) = (binding.inputs[0].floats, binding.outputs[0].floats)
    let (start, block, row) = (offset * inner, width * inner, total * inner)
    return { _ in
      for o in 0..<outer { (y + o * block).update(from: x + o * row + start, count: block) }
    }
  }
}

extension Pad: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let (outer, extent, inner) = around(axis, binding.inputs[0].dimensions)
    let (x, y) = (binding.inputs[0].floats, binding.outputs[0].floats)
    let (block, row, start) = (extent * inner, (before + extent + after) * inner, before * inner)
    let count = binding.outputs[0].count
    return { _ in
      y.update(repeating: 0, count: count)
      for o in 0..<outer { (y + o * row + start).update(from: x + o * block, count: block) }
    }
  }
}
