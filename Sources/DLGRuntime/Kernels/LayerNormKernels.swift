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
