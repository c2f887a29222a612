import DLGGraph

/// The whole training step as one static graph: forward, backward and optimizer update.
public struct TrainingGraph: Sendable {
  public var graph: Graph
  public var loss: ValueID
  /// The gradient of each trainable parameter.
  public var gradients: [ValueID: ValueID]
  /// Optimizer state (moments, velocities) per parameter, in the order the optimizer uses it.
  public var optimizerState: [ValueID: [ValueID]]
  /// Values read back after each step (the loss, metrics).
  public var fetches: [ValueID]
}

/// Reverse-mode automatic differentiation on the static graph, done once before training:
/// appends a gradient node for every forward node that influences the loss, then the gradient
/// transforms in order (clipping by global norm; averaging across processes), then the
/// optimizer update of every parameter, then removes what the step does not need.
///
/// Frozen parameters get no update and no state (and a frozen layer's batch norm keeps its
/// running statistics: `FrozenNormalization`), so nothing reads their gradients and the
/// pruning at the end removes every node that computed them (and the whole backward pass
/// below the lowest trained layer).
public enum Autodiff {
  public static func trainingGraph(
    forward: Graph, loss: ValueID, fetches: [ValueID], optimizer: OptimizerSpec,
    gradientTransforms: [any GradientTransform] = [], parameters: ParameterTraining = .init()
  ) throws(GraphError) -> TrainingGraph {
    let forward = FrozenNormalization.apply(to: forward, frozen: parameters.frozen)
    var builder = GraphBuilder(graph: forward, namePrefix: "grad")
    var gradientOf: [ValueID: ValueID] = [:]
    gradientOf[loss] = try builder.add(Fill(1), [], "seed")

    for node in forward.nodes.reversed() {
      let outputGradients = node.outputs.map { gradientOf[$0] }
      guard outputGradients.contains(where: { $0 != nil }) else { continue }
      builder.namePrefix = "grad/\(node.name)"
      builder.location = node.location
      let inputGradients = try node.op.gradients(
        of: node, outputGradients: outputGradients, in: &builder)
      for (input, gradient) in zip(node.inputs, inputGradients) {
        guard let gradient else { continue }
        if let existing = gradientOf[input] {
          // A value read by several nodes receives the sum of their gradients.
          gradientOf[input] = try builder.add(Add(), [existing, gradient], "accumulate")
        } else {
          gradientOf[input] = gradient
        }
      }
    }

    let trained = forward.parameters.filter {
      gradientOf[$0] != nil && !parameters.frozen.contains($0)
    }
    for transform in gradientTransforms where !trained.isEmpty {
      let transformed = try transform.apply(
        to: trained.map { ($0, gradientOf[$0]!) }, in: &builder.graph)
      for (parameter, gradient) in zip(trained, transformed) { gradientOf[parameter] = gradient }
    }
    var gradients: [ValueID: ValueID] = [:]
    var state: [ValueID: [ValueID]] = [:]
    // One node of per-step values for each learning-rate multiplier in use.
    var scalars: [Float: ValueID] = [:]
    for parameter in trained {
      let multiplier = parameters.multiplier(of: parameter)
      if scalars[multiplier] == nil {
        scalars[multiplier] = try optimizer.appendScalars(
          to: &builder.graph, learningRateMultiplier: multiplier)
      }
      let gradient = gradientOf[parameter]!
      gradients[parameter] = gradient
      state[parameter] = optimizer.appendState(for: parameter, to: &builder.graph)
      try optimizer.appendUpdate(
        parameter: parameter, gradient: gradient, state: state[parameter]!,
        scalars: scalars[multiplier]!, to: &builder.graph)
    }
    // Drop generated gradient nodes nothing reads (the gradient of an input image, say);
    // the forward graph itself is the optimizer's business.
    let pruned = DeadCodeElimination.run(
      builder.graph, keeping: fetches, firstRemovable: forward.nodes.count)
    return TrainingGraph(
      graph: pruned, loss: loss, gradients: gradients, optimizerState: state, fetches: fetches)
  }
}
