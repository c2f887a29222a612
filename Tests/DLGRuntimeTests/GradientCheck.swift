import DLGGraph
import DLGKernels
import DLGPasses
import DLGRuntime
import DLGTestSupport
import Testing

/// `loss = Σ x · w` for fixed random weights `w`: turns any tensor into a scalar whose
/// gradient with respect to `x` is exactly `w · dLoss`, so a finite-difference check of the
/// whole chain isolates the op under test. Test-only op.
struct WeightedSum: CPUKernel {
  static let opType = "WeightedSum"
  static let signature = OpSignature(inputs: ["x"])
  var weights: [Float]
  var name: String { "WeightedSum" }
  var fusionClass: FusionClass { .reduction }
  var family: OpFamily { .loss }

  func outputTypes(for inputs: [TensorType]) throws(ShapeError) -> [TensorType] { [.scalar] }

  func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(ShapeError) -> [ValueID?]
  {
    guard let dy = outputGradients[0] else { return [nil] }
    let type = builder.type(of: node.inputs[0])
    return [try builder.add(ScaledConstant(weights: weights, type: type), [dy], "dWeightedSum")]
  }

  func makeKernel(_ binding: KernelBinding) -> Kernel {
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
struct ScaledConstant: NonDifferentiable, CPUKernel {
  static let opType = "ScaledConstant"
  static let signature = OpSignature(inputs: ["s"])
  var weights: [Float]
  var type: TensorType
  var name: String { "ScaledConstant" }
  var fusionClass: FusionClass { .elementwise }
  var family: OpFamily { .other }

  func outputTypes(for inputs: [TensorType]) throws(ShapeError) -> [TensorType] { [type] }

  func makeKernel(_ binding: KernelBinding) -> Kernel {
    let s = binding.inputs[0].floats
    let y = binding.outputs[0].floats
    let w = weights
    return { _ in
      for i in w.indices { y[i] = w[i] * s.pointee }
    }
  }
}

/// Compares the gradients autodiff builds with central finite differences of the loss, for
/// every element of every parameter. Ops are checked by making their inputs parameters.
struct GradientChecker {
  var graph: Graph
  var output: ValueID
  /// Inputs that are not parameters (labels), with a function that fills their buffer.
  var fixedInputs: [(ValueID, (TensorBuffer) -> Void)] = []
  var batch = 1
  /// Runs the finite differences in training mode too (ops such as dropout behave
  /// differently in evaluation; with the same step they draw the same mask).
  var trainingMode = false

  /// Checks every parameter's gradient; returns the worst relative error seen.
  func check(epsilon: Float = 1e-2, seed: UInt64 = 7) throws -> Float {
    var generator = TestRandom(seed)
    var graph = graph
    let count = graph[output].type.elementCount(batch: batch)
    let weights = (0..<count).map { _ in Float.random(in: -1...1, using: &generator) }
    let loss = try graph.apply1(WeightedSum(weights: weights), [output], name: "loss")
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
    func run(_ plan: Executable) throws {
      for (value, fill) in fixedInputs { fill(try #require(plan.buffer(value))) }
      plan.run(RuntimeContext(step: 1, training: plan === train || trainingMode))
    }
    try run(train)
    var worst: Float = 0
    for parameter in graph.parameters {
      let gradient = try #require(
        training.gradients[parameter], "no gradient for \(graph[parameter].name)")
      let analytic = try #require(train.buffer(gradient))
      let values = try #require(store.buffer(parameter))
      for i in 0..<values.count {
        let original = values.floats[i]
        values.floats[i] = original + epsilon
        try run(forward)
        let plus = forward.buffer(loss)!.floats.pointee
        values.floats[i] = original - epsilon
        try run(forward)
        let minus = forward.buffer(loss)!.floats.pointee
        values.floats[i] = original
        let numeric = (plus - minus) / (2 * epsilon)
        let error =
          abs(numeric - analytic.floats[i]) / max(1, abs(numeric), abs(analytic.floats[i]))
        worst = max(worst, error)

      }
    }
    return worst
  }
}
