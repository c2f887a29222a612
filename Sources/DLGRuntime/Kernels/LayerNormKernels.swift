import DLGGraph
import DLGKernels

extension LayerNorm: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let x = binding.inputs[0]
    let (width, rows) = (x.dimensions.last ?? 1, ShapeRules.rows(x.dimensions))
    let (px, gamma) = (UnsafePointer(x.floats), UnsafePointer(binding.inputs[1].floats))
    let beta = centered ? UnsafePointer(binding.inputs[2].floats) : nil
    let (y, statistics) = (binding.outputs[0].floats, binding.outputs[1].floats)
    let (epsilon, centered) = (epsilon, centered)
    return { _ in
      RowNormalization.forward(
        rows: rows, width: width, x: px, gamma: gamma, beta: beta, epsilon: epsilon,
        centered: centered, y: y, statistics: statistics)
    }
  }
}

extension LayerNormGradient: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let x = binding.inputs[0]
    let (width, rows) = (x.dimensions.last ?? 1, ShapeRules.rows(x.dimensions))
    let (px, dy) = (UnsafePointer(x.floats), UnsafePointer(binding.inputs[1].floats))
    let (gamma, statistics) = (
      UnsafePointer(binding.inputs[2].floats), UnsafePointer(binding.inputs[3].floats)
    )
    let (dx, dGamma) = (binding.outputs[0].floats, binding.outputs[1].floats)
    let dBeta = centered ? binding.outputs[2].floats : nil
    let centered = centered
    return { _ in
      RowNormalization.backward(
        rows: rows, width: width, x: px, dy: dy, gamma: gamma, statistics: statistics,
        centered: centered, dx: dx, dGamma: dGamma, dBeta: dBeta)
    }
  }
}

extension GroupNorm: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let shape = groupShape(binding.inputs[0].dimensions, groups: groups)
    let i = binding.inputs.map { UnsafePointer($0.floats) }
    let (y, statistics, epsilon) = (binding.outputs[0].floats, binding.outputs[1].floats, epsilon)
    return { _ in
      GroupNormalization.forward(
        shape, x: i[0], gamma: i[1], beta: i[2], epsilon: epsilon, y: y, statistics: statistics)
    }
  }
}

extension GroupNormGradient: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let shape = groupShape(binding.inputs[0].dimensions, groups: groups)
    let i = binding.inputs.map { UnsafePointer($0.floats) }
    let o = binding.outputs.map(\.floats)
    return { _ in
      GroupNormalization.backward(
        shape, x: i[0], dy: i[1], gamma: i[2], statistics: i[3], dx: o[0], dGamma: o[1],
        dBeta: o[2])
    }
  }
}

/// `[N, ..., C]` as samples, positions and channels.
private func groupShape(_ dimensions: [Int], groups: Int) -> GroupNormalization.Shape {
  let channels = dimensions.last ?? 1
  let batch = dimensions.first ?? 1
  return GroupNormalization.Shape(
    batch: batch, positions: dimensions.reduce(1, *) / max(batch * channels, 1),
    channels: channels, groups: groups)
}
