import DLGKernels
import Foundation

/// Adam's hyper-parameters (Kingma & Ba, 2015), with optional decoupled weight decay (AdamW).
public struct AdamSettings: Sendable, Hashable {
  public var learningRate: Float
  public var beta1: Float
  public var beta2: Float
  public var epsilon: Float
  public var weightDecay: Float

  public init(
    learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7,
    weightDecay: Float = 0
  ) {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.weightDecay = weightDecay
  }
}

extension AdamSettings {
  /// Adam's bias corrections for step `t`, folded into the step size and epsilon (Kingma &
  /// Ba, section 2), plus AdamW's decoupled decay factor.
  func constants(_ info: StepInfo) -> (stepSize: Float, epsilonHat: Float, decay: Float) {
    let t = Float(max(info.step, 1))
    let rate = learningRate * info.learningRateScale
    let correction1 = 1 - pow(beta1, t)
    let correction2 = (1 - pow(beta2, t)).squareRoot()
    return (rate * correction2 / correction1, epsilon * correction2, rate * weightDecay)
  }
}

/// One Adam step on one parameter, in place, in a single fused pass over memory.
/// Inputs: (parameter, gradient, first moment, second moment); no outputs.
public struct AdamUpdate: NonDifferentiable {
  public var settings: AdamSettings

  public init(_ settings: AdamSettings) { self.settings = settings }

  public var name: String { "AdamUpdate" }
  public var attributeSummary: String { "lr \(settings.learningRate)" }
  public var fusionClass: FusionClass { .opaque }
  public var family: OpFamily { .optimizer }
  public var mutatedInputs: [Int] { [0, 2, 3] }

  public func outputTypes(for inputs: [TensorType]) throws(ShapeError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 4, op: name)
    for other in inputs.dropFirst() {
      try ShapeRules.expectSameShape(inputs[0], other, op: name)
    }
    return []
  }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let count = binding.inputs[0].count
    let (p, g, m, v) = (
      binding.inputs[0].floats, binding.inputs[1].floats, binding.inputs[2].floats,
      binding.inputs[3].floats
    )
    let s = settings
    return { info in
      let (stepSize, epsilonHat, decay) = s.constants(info)
      OptimizerKernels.adam(
        count: count, parameter: p, gradient: g, firstMoment: m, secondMoment: v,
        stepSize: stepSize, beta1: s.beta1, beta2: s.beta2, epsilonHat: epsilonHat,
        decoupledDecay: decay)
    }
  }
}

/// Stochastic gradient descent's hyper-parameters, with PyTorch's momentum semantics.
public struct SGDSettings: Sendable, Hashable {
  public var learningRate: Float
  public var momentum: Float
  public var nesterov: Bool
  public var weightDecay: Float

  public init(
    learningRate: Float = 0.01, momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0
  ) {
    self.learningRate = learningRate
    self.momentum = momentum
    self.nesterov = nesterov
    self.weightDecay = weightDecay
  }
}

/// One SGD step on one parameter, in place. Inputs: (parameter, gradient[, velocity]).
public struct SGDUpdate: NonDifferentiable {
  public var settings: SGDSettings

  public init(_ settings: SGDSettings) { self.settings = settings }

  public var name: String { "SGDUpdate" }
  public var attributeSummary: String {
    "lr \(settings.learningRate)" + (settings.momentum > 0 ? ", momentum \(settings.momentum)" : "")
  }
  public var fusionClass: FusionClass { .opaque }
  public var family: OpFamily { .optimizer }
  public var mutatedInputs: [Int] { settings.momentum > 0 ? [0, 2] : [0] }

  public func outputTypes(for inputs: [TensorType]) throws(ShapeError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, settings.momentum > 0 ? 3 : 2, op: name)
    for other in inputs.dropFirst() {
      try ShapeRules.expectSameShape(inputs[0], other, op: name)
    }
    return []
  }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let count = binding.inputs[0].count
    let (p, g) = (binding.inputs[0].floats, binding.inputs[1].floats)
    let velocity = binding.inputs.count > 2 ? binding.inputs[2].floats : nil
    let s = settings
    return { info in
      OptimizerKernels.sgd(
        count: count, parameter: p, gradient: g, velocity: velocity,
        learningRate: s.learningRate * info.learningRateScale, momentum: s.momentum,
        nesterov: s.nesterov,
        weightDecay: s.weightDecay)
    }
  }
}
