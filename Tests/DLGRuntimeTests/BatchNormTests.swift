import DLGGraph
import DLGPasses
import DLGRuntime
import DLGTestSupport
import Testing

/// Batch normalization's two behaviours: batch statistics and running-statistic updates while
/// training, running statistics in evaluation.
struct BatchNormTests {
  @Test func trainingUsesTheBatchAndEvaluationTheRunningStatistics() throws {
    var graph = Graph()
    let x = graph.addInput("x", TensorType(.float32, [.batch, .fixed(3)]))
    let gamma = graph.addParameter("gamma", .fixed([3]), initializer: .ones)
    let beta = graph.addParameter("beta", .fixed([3]), initializer: .zeros)
    let mean = graph.addStatistic("mean", .fixed([3]), initializer: .zeros)
    let variance = graph.addStatistic("variance", .fixed([3]), initializer: .ones)
    let y = try graph.apply(
      BatchNorm(epsilon: 1e-5, momentum: 0.1), [x, gamma, beta, mean, variance], name: "bn")[0]
    let store = ParameterStore()
    var random = TestRandom(3)
    store.allocate(for: graph, using: &random)
    let plan = Executable(graph: graph, batchSize: 4, fetches: [y], store: store)
    let input: [Float] = [1, 10, -2, 3, 20, -2, 5, 30, -2, 7, 40, -2]
    let xs = try #require(plan.buffer(x))
    func feed() { for i in input.indices { xs.floats[i] = input[i] } }
    feed()
    plan.run(RuntimeContext(step: 1, training: true))
    let out = try #require(plan.buffer(y))
    // Channel 0: 1, 3, 5, 7 → mean 4, biased variance 5.
    let expected0 = [1, 3, 5, 7].map { (Float($0) - 4) / (5 + 1e-5).squareRoot() }
    for row in 0..<4 { #expect(abs(out.floats[row * 3] - expected0[row]) < 1e-5) }
    // A constant channel normalizes to zero, not to a division by zero.
    for row in 0..<4 { #expect(abs(out.floats[row * 3 + 2]) < 1e-3) }
    // Running statistics moved 10% of the way to the batch's (variance unbiased: 20/3).
    let runningMean = try #require(store.buffer(mean)).floats
    let runningVariance = try #require(store.buffer(variance)).floats
    #expect(abs(runningMean[0] - 0.4) < 1e-6)
    #expect(abs(runningVariance[0] - (0.9 + 0.1 * 20 / 3)) < 1e-5)
    // Evaluation normalizes with the running statistics and leaves them alone.
    feed()
    plan.run(RuntimeContext(step: 1, training: false))
    let scale = 1 / (runningVariance[0] + 1e-5).squareRoot()
    #expect(abs(out.floats[0] - (1 - runningMean[0]) * scale) < 1e-5)
    #expect(abs(runningMean[0] - 0.4) < 1e-6)
  }
}
