import Foundation

/// Adam's hyper-parameters (Kingma & Ba, 2015), with optional decoupled weight decay (AdamW).
public struct AdamSettings: Sendable, Hashable, Codable {
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
  public func constants(step: Int, learningRateScale: Float)
    -> (stepSize: Float, epsilonHat: Float, decay: Float)
  {
    let t = Float(max(step, 1))
    let rate = learningRate * learningRateScale
    let correction1 = 1 - pow(beta1, t)
    let correction2 = (1 - pow(beta2, t)).squareRoot()
    return (rate * correction2 / correction1, epsilon * correction2, rate * weightDecay)
  }
}

/// Stochastic gradient descent's hyper-parameters, with PyTorch's momentum semantics.
public struct SGDSettings: Sendable, Hashable, Codable {
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

/// Adam's per-step values, computed from the step number and the schedule before the update
/// reads them: `[step size, ε̂, 1 − lr·weight decay]` (see `AdamSettings.constants`).
public struct AdamScalars: NonDifferentiable {
  public static let opType = "AdamScalars"
  public static let signature = OpSignature(inputs: [])
  public var settings: AdamSettings
  /// A layer's `lr_mult`: its rate is the optimizer's times this.
  public var learningRateMultiplier: Float

  public init(_ settings: AdamSettings, learningRateMultiplier: Float = 1) {
    self.settings = settings
    self.learningRateMultiplier = learningRateMultiplier
  }

  public var name: String { "AdamScalars" }
  public var attributeSummary: String {
    learningRateMultiplier == 1 ? "" : "lr × \(learningRateMultiplier)"
  }
  public var fusionClass: FusionClass { .opaque }
  public var family: OpFamily { .optimizer }
  public var effects: [Effect] { [.dependsOnStep] }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 0, op: name)
    return [.fixed([3])]
  }

}

/// SGD's per-step values: `[learning rate × schedule]`.
public struct SGDScalars: NonDifferentiable {
  public static let opType = "SGDScalars"
  public static let signature = OpSignature(inputs: [])
  public var settings: SGDSettings
  /// A layer's `lr_mult`: its rate is the optimizer's times this.
  public var learningRateMultiplier: Float

  public init(_ settings: SGDSettings, learningRateMultiplier: Float = 1) {
    self.settings = settings
    self.learningRateMultiplier = learningRateMultiplier
  }

  public var name: String { "SGDScalars" }
  public var attributeSummary: String {
    learningRateMultiplier == 1 ? "" : "lr × \(learningRateMultiplier)"
  }
  public var fusionClass: FusionClass { .opaque }
  public var family: OpFamily { .optimizer }
  public var effects: [Effect] { [.dependsOnStep] }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 0, op: name)
    return [.fixed([1])]
  }

}

/// The optimizers written as graph ops: the update of each parameter is a handful of
/// elementwise ops ending in `Assign`s. Unoptimized, each op is a pass over memory (as an
/// eager framework's optimizer); the fusion pass turns each parameter's update into one loop
/// that reads the parameter, gradient and state once and writes them once.
/// The optimizer and its settings.
public enum OptimizerSpec: Sendable {
  case adam(AdamSettings)
  case sgd(SGDSettings)
}

extension OptimizerSpec {
  /// The per-step values the updates of parameters learning at `learningRateMultiplier`
  /// times the rate read (one node for all of them).
  public func appendScalars(to graph: inout Graph, learningRateMultiplier: Float = 1)
    throws(GraphError) -> ValueID
  {
    let name =
      learningRateMultiplier == 1 ? "update/scalars" : "update/scalars×\(learningRateMultiplier)"
    switch self {
    case .adam(let settings):
      return try graph.applySingleOutput(
        AdamScalars(settings, learningRateMultiplier: learningRateMultiplier), [], name: name)
    case .sgd(let settings):
      return try graph.applySingleOutput(
        SGDScalars(settings, learningRateMultiplier: learningRateMultiplier), [], name: name)
    }
  }

  /// The state one parameter needs (Adam's moments, SGD's velocity), zero at start.
  public func appendState(for parameter: ValueID, to graph: inout Graph) -> [ValueID] {
    let (name, type) = (graph[parameter].name, graph[parameter].type)
    switch self {
    case .adam:
      return [graph.addState("\(name).adam_m", type), graph.addState("\(name).adam_v", type)]
    case .sgd(let settings):
      return settings.momentum > 0 ? [graph.addState("\(name).momentum", type)] : []
    }
  }

  /// Appends the update of `parameter` from its `gradient`, its `state` and the step's
  /// `scalars`.
  public func appendUpdate(
    parameter p: ValueID, gradient g: ValueID, state: [ValueID], scalars: ValueID,
    to graph: inout Graph
  ) throws(GraphError) {
    let prefix = "update/\(graph[p].name)"
    func op(_ operation: any Operator, _ inputs: [ValueID], _ suffix: String) throws(GraphError)
      -> ValueID
    {
      try graph.applySingleOutput(operation, inputs, name: "\(prefix)/\(suffix)")
    }
    switch self {
    case .adam(let s):
      // m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;  p ← p·(1 − lr·wd) − step · m / (√v + ε̂)
      let (m, v) = (state[0], state[1])
      let m1 = try op(ExponentialAverage(decay: s.beta1), [m, g], "m")
      let g2 = try op(Multiply(), [g, g], "g²")
      let v1 = try op(ExponentialAverage(decay: s.beta2), [v, g2], "v")
      let root = try op(SquareRoot(), [v1], "√v")
      let denominator = try op(AddScalar(index: 1), [root, scalars], "√v+ε")
      let ratio = try op(Divide(), [m1, denominator], "m÷(√v+ε)")
      let step = try op(MultiplyByScalar(index: 0), [ratio, scalars], "step")
      let kept = try op(MultiplyByScalar(index: 2), [p, scalars], "decayed")
      let p1 = try op(Subtract(), [kept, step], "p")
      try graph.apply(Assign(), [m, m1], name: "\(prefix)/assign m")
      try graph.apply(Assign(), [v, v1], name: "\(prefix)/assign v")
      try graph.apply(Assign(), [p, p1], name: "\(prefix)/assign p")
    case .sgd(let s):
      // g' = g + wd·p;  v ← μ v + g';  p ← p − lr · (nesterov ? g' + μ v : v)  (PyTorch's SGD)
      let decayed = s.weightDecay > 0 ? try op(AddScaled(s.weightDecay), [g, p], "g+wd·p") : g
      var direction = decayed
      if s.momentum > 0 {
        let velocity = try op(AddScaled(s.momentum), [decayed, state[0]], "velocity")
        try graph.apply(Assign(), [state[0], velocity], name: "\(prefix)/assign velocity")
        direction =
          s.nesterov
          ? try op(AddScaled(s.momentum), [decayed, velocity], "nesterov") : velocity
      }
      let step = try op(MultiplyByScalar(index: 0), [direction, scalars], "step")
      let p1 = try op(Subtract(), [p, step], "p")
      try graph.apply(Assign(), [p, p1], name: "\(prefix)/assign p")
    }
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(AdamScalars.self, SGDScalars.self)
}
