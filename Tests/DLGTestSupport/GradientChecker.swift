import DLGGraph
import DLGPasses
import DLGRuntime

/// `loss = Σ x · w` for fixed random weights `w`: turns any tensor into a scalar whose
/// gradient with respect to `x` is exactly `w · dLoss`, so a finite-difference check of the
/// whole chain isolates the op under test. Test-only op.
public struct WeightedSum: CPUKernel {
  public static let opType = "WeightedSum"
  public static let signature = OpSignature(inputs: ["x"])
  public var weights: [Float]

  public init(weights: [Float]) { self.weights = weights }

  public var fusionClass: FusionClass { .reduction }
  public var family: OpFamily { .loss }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    [.scalar]
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    guard let dy = outputGradients[0] else { return [nil] }
    let type = builder.type(of: node.inputs[0])
    return [try builder.add(ScaledConstant(weights: weights, type: type), [dy], "dWeightedSum")]
  }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let x = binding.inputs[0].floats
    let y = binding.outputs[0].floats
    let w = weights
    return { _ in
      var sum: Float = 0
      for i in w.indices { sum += x[i] * w[i] }
      y.pointee = sum
    }
  }
}

/// `w · s` for a scalar input `s`: the gradient of `WeightedSum`. Test-only op.
public struct ScaledConstant: NonDifferentiable, CPUKernel {
  public static let opType = "ScaledConstant"
  public static let signature = OpSignature(inputs: ["s"])
  public var weights: [Float]
  public var type: TensorType

  public var fusionClass: FusionClass { .elementwise }
  public var family: OpFamily { .other }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    [type]
  }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let s = binding.inputs[0].floats
    let y = binding.outputs[0].floats
    let w = weights
    return { _ in
      for i in w.indices { y[i] = w[i] * s.pointee }
    }
  }
}

/// What a gradient check found: the worst relative error over the elements it compared, each
/// element beyond the tolerance, and the elements skipped at a kink.
public struct GradientReport: CustomStringConvertible, Sendable {
  /// One element whose analytic and numeric gradients disagree.
  public struct Failure: Sendable {
    public var parameter: String
    public var index: Int
    public var analytic: Float
    public var numeric: Float
    public var error: Float
  }

  public var tolerance: Float
  public var worstError: Float = 0
  public var compared = 0
  /// Elements where the loss is not smooth within ±ε (a ReLU or max near a tie): the one-sided
  /// differences disagree, so the central one means nothing there (Caffe's kink handling).
  public var kinks = 0
  public var failures: [Failure] = []

  public var passed: Bool { failures.isEmpty && compared > 0 && !worstError.isNaN }

  public var description: String {
    var lines = [
      "compared \(compared) elements (\(kinks) at kinks skipped), worst relative error "
        + "\(worstError), tolerance \(tolerance)"
    ]
    for failure in failures.prefix(8) {
      lines.append(
        "  \(failure.parameter)[\(failure.index)]: autodiff \(failure.analytic), finite "
          + "difference \(failure.numeric) (error \(failure.error))")
    }
    if failures.count > 8 { lines.append("  … and \(failures.count - 8) more") }
    return lines.joined(separator: "\n")
  }
}

/// Compares the gradients autodiff builds with central finite differences of the loss, for
/// every element of every parameter. Ops are checked by making their inputs parameters.
public struct GradientChecker {
  public var graph: Graph
  public var output: ValueID
  /// Inputs that are not parameters (labels), with a function that fills their buffer.
  public var fixedInputs: [(ValueID, (TensorBuffer) -> Void)] = []
  public var batch = 1
  /// Runs the finite differences in training mode too (ops such as dropout behave
  /// differently in evaluation; with the same step they draw the same mask).
  public var trainingMode = false

  public init(graph: Graph, output: ValueID) {
    self.graph = graph
    self.output = output
  }

  /// Checks every parameter's gradient with step `epsilon`; an element fails when its relative
  /// error exceeds `tolerance`.
  public func check(epsilon: Float = 1e-3, tolerance: Float = 1e-2, seed: UInt64 = 7) throws
    -> GradientReport
  {
    var generator = TestRandom(seed)
    var graph = graph
    let count = graph[output].type.elementCount(batch: batch)
    let weights = (0..<count).map { _ in Float.random(in: -1...1, using: &generator) }
    let loss = try graph.applySingleOutput(WeightedSum(weights: weights), [output], name: "loss")
    let training = try Autodiff.trainingGraph(
      forward: graph, loss: loss, fetches: [loss], optimizer: .sgd(SGDSettings(learningRate: 0)))
    let gradients = graph.parameters.compactMap { training.gradients[$0] }
    let store = ParameterStore()
    store.allocate(for: training.graph, using: &generator)
    let train = Executable(
      graph: training.graph, batchSize: batch, fetches: [loss] + gradients, store: store)
    let forward = Executable(
      graph: DeadCodeElimination.run(graph, keeping: [loss]), batchSize: batch, fetches: [loss],
      store: store)
    // Inputs live in the arena and may be overwritten once read, so feed them before every
    // run, as training does.
    func run(_ plan: Executable) -> Float {
      for (value, fill) in fixedInputs { fill(plan.buffer(value)!) }
      plan.run(RuntimeContext(step: 1, training: plan === train || trainingMode))
      return plan.buffer(loss)!.floats.pointee
    }
    _ = run(train)
    var report = GradientReport(tolerance: tolerance)
    for parameter in graph.parameters {
      guard let gradient = training.gradients[parameter] else {
        throw TestSupportError("no gradient for \(graph[parameter].name)")
      }
      guard let analytic = train.buffer(gradient), let values = store.buffer(parameter) else {
        throw TestSupportError("no buffer for \(graph[parameter].name) or its gradient")
      }
      for i in 0..<values.count {
        let original = values.floats[i]
        let centre = run(forward)
        values.floats[i] = original + epsilon
        let plus = run(forward)
        values.floats[i] = original - epsilon
        let minus = run(forward)
        values.floats[i] = original
        let numeric = (plus - minus) / (2 * epsilon)
        let (right, left) = ((plus - centre) / epsilon, (centre - minus) / epsilon)
        let scale = max(1, abs(right), abs(left))
        if abs(right - left) / scale > max(tolerance, 100 * epsilon) {
          report.kinks += 1
          continue
        }
        let value = analytic.floats[i]
        // Relative for gradients of 0.1 or more, absolute (tolerance / 10) below: a small
        // gradient may not be off by a large fraction of itself.
        let error = abs(numeric - value) / max(0.1, abs(numeric), abs(value))
        report.compared += 1
        // NaN anywhere is a failure, not a value `max` and `>` would quietly skip.
        report.worstError = error.isNaN ? .nan : max(report.worstError, error)
        if !(error <= tolerance) {
          report.failures.append(
            .init(
              parameter: graph[parameter].name, index: i, analytic: value, numeric: numeric,
              error: error))
        }
      }
    }
    return report
  }
}

/// A check that could not run, or found the graph wrong (a parameter without a gradient, a
/// rewrite that changes what a graph computes).
public struct TestSupportError: Error, CustomStringConvertible {
  public var description: String
  public init(_ description: String) { self.description = description }
}
