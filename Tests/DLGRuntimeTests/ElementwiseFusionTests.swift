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
    var y = try graph.apply1(BiasAdd(), [x, b], name: "bias")
    y = try graph.apply1(GELU(), [y], name: "gelu")
    y = try graph.apply1(Multiply(), [y, z], name: "times")
    y = try graph.apply1(SmoothActivation(.tanh), [y], name: "tanh")
    y = try graph.apply1(Add(), [y, z], name: "plus")
    y = try graph.apply1(SmoothActivation(.sigmoid), [y], name: "sigmoid")
    y = try graph.apply1(ReLU(), [y], name: "relu")
    return (graph, y, [x, z, b])
  }

  @Test func fusedChainsMatchTheOpsOneByOne() throws {
    let (forward, y, parameters) = try Self.graph()
    var graph = forward
    let loss = try graph.apply1(
      WeightedSum(weights: (0..<185).map { Float($0 % 7) - 3 }), [y], name: "loss")
    let training = try Autodiff.trainingGraph(
      forward: graph, loss: loss, fetches: [loss], optimizer: .sgd(SGDSettings(learningRate: 0)))
    let gradients = parameters.map { training.gradients[$0]! }
    let fetches = [loss, y] + gradients
    var results: [[[Float]]] = []
    for level in [OptimizationLevel.none, .standard] {
      let (optimized, reports) = GraphOptimizer.optimize(
        training.graph, fetches: fetches, level: level)
      if level == .standard {
        let fused = reports.first { $0.pass == "elementwise fusion" }?.changes ?? []
        #expect(fused.count >= 2, "\(fused)")
        #expect(optimized.graph.nodes.contains { $0.op is FusedElementwise })
      }
      var random = TestRandom(8)
      let store = ParameterStore()
      store.allocate(for: optimized.graph, using: &random)
      let plan = Executable(
        graph: optimized.graph, batchSize: 1, fetches: optimized.fetches, store: store)
      plan.run(StepInfo(step: 1, training: true))
      results.append(
        try optimized.fetches.map { value in
          let buffer = try #require(plan.buffer(value))
          return Array(UnsafeBufferPointer(start: buffer.floats, count: buffer.count))
        })
    }
    for (plain, fused) in zip(results[0], results[1]) {
      let error = zip(plain, fused).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
      #expect(error < 1e-5)
    }
  }
}
