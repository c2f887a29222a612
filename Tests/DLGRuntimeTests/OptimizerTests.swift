import DLGGraph
import DLGPasses
import DLGRuntime
import DLGTestSupport
import Foundation
import Testing

/// The optimizers, written as graph ops, against their textbook formulas: unfused (-O0) and
/// fused into one loop per parameter.
struct OptimizerTests {
  /// Runs three steps of `optimizer` on one parameter with the given gradients; returns the
  /// parameter after each level of optimization.
  static func run(_ optimizer: OptimizerSpec, initial: [Float], gradients: [[Float]]) throws
    -> [[Float]]
  {
    try [OptimizationLevel.none, .standard].map { level in
      var graph = Graph()
      let count = initial.count
      let p = graph.addParameter("p", .fixed([count]), initializer: .zeros)
      let g = graph.addInput("g", .fixed([count]))
      let scalars = try optimizer.appendScalars(to: &graph)
      let state = optimizer.appendState(for: p, to: &graph)
      try optimizer.appendUpdate(
        parameter: p, gradient: g, state: state, scalars: scalars, to: &graph)
      let optimized = GraphOptimizer.optimize(
        graph, fetches: [], level: level, evaluator: KernelConstantEvaluator()
      ).context.graph
      if level == .standard {
        #expect(optimized.nodes.filter { $0.op is FusedElementwise }.count == 1)
      }
      var random = TestRandom(1)
      let store = ParameterStore()
      store.allocate(for: optimized, using: &random)
      let parameter = try #require(store.buffer(p))
      parameter.floats.update(from: initial, count: count)
      let plan = withThreadBudget(2) {
        Executable(graph: optimized, batchSize: 1, fetches: [], store: store)
      }
      for (t, gradient) in gradients.enumerated() {
        let input = try #require(plan.buffer(g))
        input.floats.update(from: gradient, count: count)
        plan.run(RuntimeContext(step: t + 1, training: true))
      }
      return Array(UnsafeBufferPointer(start: parameter.floats, count: count))
    }
  }

  @Test func adamMatchesTheTextbook() throws {
    var values = TestRandom(4)
    let count = 70_001
    let initial = values.floats(count)
    let gradients = (0..<3).map { _ in values.floats(count) }
    var (p, m, v) = (
      initial.map(Double.init), [Double](repeating: 0, count: count),
      [Double](repeating: 0, count: count)
    )
    for (index, g) in gradients.enumerated() {
      let t = Double(index + 1)
      for i in 0..<count {
        let gi = Double(g[i])
        m[i] = 0.9 * m[i] + 0.1 * gi
        v[i] = 0.999 * v[i] + 0.001 * gi * gi
        let mHat = m[i] / (1 - pow(0.9, t))
        let vHat = v[i] / (1 - pow(0.999, t))
        p[i] -= 0.01 * mHat / (vHat.squareRoot() + 1e-7)
      }
    }
    let expected = p.map(Float.init)
    for result in try Self.run(
      .adam(AdamSettings(learningRate: 0.01)), initial: initial, gradients: gradients)
    {
      let worst = zip(result, expected).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
      #expect(worst < 1e-4)
    }
  }

  @Test(arguments: [false, true])
  func sgdWithMomentumAndNesterov(nesterov: Bool) throws {
    let settings = SGDSettings(
      learningRate: 0.1, momentum: 0.9, nesterov: nesterov, weightDecay: 0.01)
    let gradient = [Float](repeating: 0.5, count: 33)
    var (rp, rv): (Float, Float) = (1, 0)
    for _ in 0..<3 {
      let gi = 0.5 + 0.01 * rp
      rv = 0.9 * rv + gi
      rp -= 0.1 * (nesterov ? gi + 0.9 * rv : rv)
    }
    for result in try Self.run(
      .sgd(settings), initial: Array(repeating: 1, count: 33),
      gradients: Array(repeating: gradient, count: 3))
    {
      #expect(result.allSatisfy { abs($0 - rp) < 1e-6 }, "\(result[0]) vs \(rp)")
    }
  }
}
