import DLGKernels

/// Gradient clipping by global norm: when the norm of all parameter gradients taken as one
/// vector exceeds `maxNorm`, every gradient is scaled down by the same factor, in place, before
/// the optimizer reads them. Inputs: the gradients; no outputs.
public struct ClipByGlobalNorm: NonDifferentiable {
  public var maxNorm: Float
  public var gradientCount: Int

  public init(maxNorm: Float, gradientCount: Int) {
    self.maxNorm = maxNorm
    self.gradientCount = gradientCount
  }

  public var name: String { "ClipByGlobalNorm" }
  public var attributeSummary: String { "max norm \(maxNorm), \(gradientCount) gradients" }
  public var fusionClass: FusionClass { .reduction }
  public var family: OpFamily { .optimizer }
  public var mutatedInputs: [Int] { Array(0..<gradientCount) }

  public func outputTypes(for inputs: [TensorType]) throws(ShapeError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, gradientCount, op: name)
    for input in inputs { try ShapeRules.expectFloat(input, op: name, what: "gradients") }
    return []
  }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let gradients = binding.inputs.map { (pointer: $0.floats, count: $0.count) }
    let maxNorm = maxNorm
    return { _ in OptimizerKernels.clipByGlobalNorm(gradients, maxNorm: maxNorm) }
  }
}
