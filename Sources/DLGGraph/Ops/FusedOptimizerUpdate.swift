import DLGKernels
import Foundation

/// The Adam update of every parameter in one node: inputs are (p, g, m, v) for each parameter
/// in turn. One dispatch for the whole optimizer step instead of one per tensor.
public struct FusedAdamUpdate: NonDifferentiable {
  public var settings: AdamSettings
  public var parameterCount: Int

  public init(_ settings: AdamSettings, parameterCount: Int) {
    self.settings = settings
    self.parameterCount = parameterCount
  }

  public var name: String { "FusedAdamUpdate" }
  public var attributeSummary: String {
    let lr: Float = settings.learningRate
    return "\(parameterCount) parameters, lr \(lr)"
  }
  public var fusionClass: FusionClass { .opaque }
  public var family: OpFamily { .optimizer }
  public var mutatedInputs: [Int] {
    var indices: [Int] = []
    for p in 0..<parameterCount { indices += [4 * p, 4 * p + 2, 4 * p + 3] }
    return indices
  }

  public func outputTypes(for inputs: [TensorType]) throws(ShapeError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 4 * parameterCount, op: name)
    for p in 0..<parameterCount {
      _ = try AdamUpdate(settings).outputTypes(for: Array(inputs[4 * p..<4 * p + 4]))
    }
    return []
  }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let updates = (0..<parameterCount).map { p in
      AdamUpdate(settings).makeKernel(
        KernelBinding(inputs: Array(binding.inputs[4 * p..<4 * p + 4]), outputs: [], scratch: nil))
    }
    return { info in for update in updates { update(info) } }
  }
}

/// The SGD update of every parameter in one node: inputs are (p, g[, velocity]) per parameter.
public struct FusedSGDUpdate: NonDifferentiable {
  public var settings: SGDSettings
  public var parameterCount: Int

  public init(_ settings: SGDSettings, parameterCount: Int) {
    self.settings = settings
    self.parameterCount = parameterCount
  }

  var stride: Int { settings.momentum > 0 ? 3 : 2 }

  public var name: String { "FusedSGDUpdate" }
  public var attributeSummary: String {
    let lr: Float = settings.learningRate
    return "\(parameterCount) parameters, lr \(lr)"
  }
  public var fusionClass: FusionClass { .opaque }
  public var family: OpFamily { .optimizer }
  public var mutatedInputs: [Int] {
    var indices: [Int] = []
    for p in 0..<parameterCount {
      indices += settings.momentum > 0 ? [3 * p, 3 * p + 2] : [2 * p]
    }
    return indices
  }

  public func outputTypes(for inputs: [TensorType]) throws(ShapeError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, stride * parameterCount, op: name)
    return []
  }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let updates = (0..<parameterCount).map { p in
      SGDUpdate(settings).makeKernel(
        KernelBinding(
          inputs: Array(binding.inputs[stride * p..<stride * (p + 1)]), outputs: [], scratch: nil))
    }
    return { info in for update in updates { update(info) } }
  }
}
