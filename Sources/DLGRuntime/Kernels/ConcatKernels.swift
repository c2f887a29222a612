import DLGGraph
import DLGKernels

extension Concat: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let output = binding.outputs[0]
    let rows = ShapeRules.rows(output.dimensions)
    let total = output.dimensions.last ?? 1
    let parts = binding.inputs.map { ($0.floats, $0.dimensions.last ?? 1) }
    let y = output.floats
    return { _ in
      for r in 0..<rows {
        var offset = 0
        for (x, width) in parts {
          (y + r * total + offset).update(from: x + r * width, count: width)
          offset += width
        }
      }
    }
  }
}

extension SliceLastAxis: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let input = binding.inputs[0]
    let rows = ShapeRules.rows(input.dimensions)
    let total = input.dimensions.last ?? 1
    let (x, y, offset, width) = (input.floats, binding.outputs[0].floats, offset, width)
    return { _ in
      for r in 0..<rows { (y + r * width).update(from: x + r * total + offset, count: width) }
    }
  }
}
