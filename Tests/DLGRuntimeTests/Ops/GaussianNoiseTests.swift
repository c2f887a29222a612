import DLGGraph
import DLGRuntime
import DLGTestSupport
import Testing

// Gaussian noise in training mode: the same noise forward and in the difference quotients
// (one step, one seed), and a gradient that passes unchanged.

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    .op(GaussianNoise(deviation: 0.5, salt: 3), inputs: [[4, 9]], trainingMode: true))
}

/// What the noise adds while training, and that evaluation adds nothing.
struct GaussianNoiseTests {
  static func run(salt: UInt64, step: Int, training: Bool, count: Int = 20_001) throws -> [Float] {
    var graph = Graph()
    let x = graph.addInput("x", TensorType(.float32, [.batch, .fixed(count)]))
    let y = try graph.apply(GaussianNoise(deviation: 0.25, salt: salt), [x], name: "noise")[0]
    let store = ParameterStore()
    var random = TestRandom(3)
    store.allocate(for: graph, using: &random)
    let plan = Executable(graph: graph, batchSize: 1, fetches: [y], store: store)
    let xs = try #require(plan.buffer(x))
    for i in 0..<count { xs.floats[i] = 2 }
    plan.run(RuntimeContext(step: step, training: training))
    let out = try #require(plan.buffer(y))
    return Array(UnsafeBufferPointer(start: out.floats, count: count))
  }

  @Test func trainingAddsNoiseOfTheDeviationAndEvaluationNone() throws {
    let noisy = try Self.run(salt: 1, step: 1, training: true)
    let deltas = noisy.map { Double($0) - 2 }
    let mean = deltas.reduce(0, +) / Double(deltas.count)
    let deviation =
      (deltas.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
      / Double(deltas.count)).squareRoot()
    #expect(abs(mean) < 0.01 && abs(deviation - 0.25) < 0.01, "mean \(mean), sd \(deviation)")
    // About 4.6% of normal draws lie beyond two deviations on either side.
    let far = deltas.filter { abs($0) > 0.5 }.count
    #expect((700...1150).contains(far), "\(far) beyond 2σ")
    #expect(noisy.allSatisfy { $0.isFinite })
    #expect(try Self.run(salt: 1, step: 1, training: false).allSatisfy { $0 == 2 })
    // The same step and layer draw the same noise; another step or layer draws new noise.
    #expect(try Self.run(salt: 1, step: 1, training: true) == noisy)
    #expect(try Self.run(salt: 1, step: 2, training: true) != noisy)
    #expect(try Self.run(salt: 2, step: 1, training: true) != noisy)
  }

  @Test func theThreadCountDoesNotChangeTheNoise() throws {
    let one = try withThreadBudget(1) { try Self.run(salt: 5, step: 3, training: true) }
    let two = try withThreadBudget(2) { try Self.run(salt: 5, step: 3, training: true) }
    #expect(one == two)
  }
}
