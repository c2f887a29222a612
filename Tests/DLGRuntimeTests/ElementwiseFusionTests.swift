import DLGGraph
import DLGPasses
import DLGRuntime
import DLGTestSupport
import Testing

/// Chains of elementwise ops fused into one loop compute what the ops compute one by one, in
/// the forward pass and in the gradients.
struct ElementwiseFusionTests {
  /// x → BiasAdd → GELU → Multiply(·, z) → Tanh → Add(·, z) → Sigmoid, with gradients for x,
  /// the bias and z: forward and backward chains both fuse.
  static func graph() throws -> (Graph, ValueID, [ValueID]) {
    var graph = Graph()
    let x = graph.addParameter("x", .fixed([5, 37]), initializer: .heUniform(fanIn: 1))
    let z = graph.addParameter("z", .fixed([5, 37]), initializer: .heUniform(fanIn: 1))
    let b = graph.addParameter("b", .fixed([37]), initializer: .heUniform(fanIn: 1))
    var y = try graph.applySingleOutput(BiasAdd(), [x, b], name: "bias")
    y = try graph.applySingleOutput(GELU(), [y], name: "gelu")
    y = try graph.applySingleOutput(Multiply(), [y, z], name: "times")
    y = try graph.applySingleOutput(SmoothActivation(.tanh), [y], name: "tanh")
    y = try graph.applySingleOutput(Add(), [y, z], name: "plus")
    y = try graph.applySingleOutput(SmoothActivation(.sigmoid), [y], name: "sigmoid")
    y = try graph.applySingleOutput(ReLU(), [y], name: "relu")
    return (graph, y, [x, z, b])
  }

  @Test func fusedChainsMatchTheOpsOneByOne() throws {
    let (forward, y, parameters) = try Self.graph()
    var graph = forward
    let loss = try graph.applySingleOutput(
      WeightedSum(weights: (0..<185).map { Float($0 % 7) - 3 }), [y], name: "loss")
    let training = try Autodiff.trainingGraph(
      forward: graph, loss: loss, fetches: [loss], optimizer: .sgd(SGDSettings(learningRate: 0)))
    let gradients = parameters.map { training.gradients[$0]! }
    var tester = PassTester(graph: training.graph, fetches: [loss, y] + gradients)
    tester.batch = 1
    tester.tolerance = 1e-5
    let result = try tester.runOptimizer()
    #expect(result.context.graph.nodes.filter { $0.op is FusedElementwise }.count >= 2)
  }

  /// A weight gradient read only by its update is computed block by block inside the update's
  /// loop (rows of 32 K floats; 3,000 rows make several blocks and a partial last one), and
  /// the weights come out as with the product stored whole.
  @Test func weightGradientFusesIntoItsUpdate() throws {
    var graph = Graph()
    let x = graph.addInput("x", TensorType(.float32, [.batch, .fixed(3000)]))
    let w = graph.addParameter("w", .fixed([3000, 40]), initializer: .heUniform(fanIn: 3000))
    let y = try graph.applySingleOutput(MatMul(), [x, w], name: "y")
    let loss = try graph.applySingleOutput(
      WeightedSum(weights: (0..<(5 * 40)).map { Float($0 % 9) - 4 }), [y], name: "loss")
    let optimizer = OptimizerSpec.sgd(SGDSettings(learningRate: 0.01, momentum: 0.9))
    let training = try Autodiff.trainingGraph(
      forward: graph, loss: loss, fetches: [loss], optimizer: optimizer)
    var weights: [[Float]] = []
    for level in [OptimizationLevel.none, .standard] {
      let optimized = GraphOptimizer.optimize(
        training.graph, fetches: [loss], level: level, evaluator: KernelConstantEvaluator())
      if level == .standard {
        #expect(optimized.context.graph.nodes.contains { $0.op is FusedMatMulElementwise })
      }
      var random = TestRandom(3)
      let store = ParameterStore()
      store.allocate(for: optimized.context.graph, using: &random)
      let plan = withThreadBudget(2) {
        Executable(
          graph: optimized.context.graph, batchSize: 5, fetches: optimized.context.fetches,
          store: store)
      }
      for step in 1...2 {
        let input = try #require(plan.buffer(x))
        var values = TestRandom(UInt64(step))
        for i in 0..<input.count { input.floats[i] = Float.random(in: -1...1, using: &values) }
        plan.run(RuntimeContext(step: step, training: true))
      }
      let buffer = try #require(store.buffer(w))
      weights.append(Array(UnsafeBufferPointer(start: buffer.floats, count: buffer.count)))
    }
    let worst = zip(weights[0], weights[1]).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
    #expect(worst < 1e-5)
  }
}
