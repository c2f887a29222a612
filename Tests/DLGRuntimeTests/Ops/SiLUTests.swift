import DLGGraph
import DLGLang
import DLGLowering
import DLGPasses
import DLGRuntime
import DLGTestSupport
import Foundation
import Testing

/// SiLU, written as x · σ(x) in the elementwise vocabulary.
@Suite struct SiLUTests {
  /// `x → SiLU` as its layer and as Dense's activation both lower and check.
  @Test func isALayerAndAnActivation() throws {
    for (network, layers) in [
      ("x: Input[4]\n  y: SiLU\n  x --> y", 2), ("x: Input[4]\n  y: Swish\n  x --> y", 2),
      ("x: Input[4]\n  y: Dense[3, silu]\n  x --> y", 2),
      ("x: Input[4]\n  y: Dense[3, activation: swish]\n  x --> y", 2),
    ] {
      let file = Parser.parse(SourceFile(path: "silu.dlg", text: "neuralnet\n  " + network))
      let (model, diagnostics) = ModelLowering.lower(file.model)
      #expect(diagnostics.isEmpty, "\(network): \(diagnostics)")
      #expect(model?.layers.count == layers)
    }
  }

  /// The values are x · σ(x), and the forward pass fuses into one elementwise loop.
  @Test func computesXTimesSigmoidInOneLoop() throws {
    var graph = Graph()
    let x = graph.addInput("x", .batched([5]))
    var builder = GraphBuilder(graph: graph, namePrefix: "act")
    let silu = try #require(ActivationRegistry.named("silu"))
    let y = try silu.apply(x, &builder)
    graph = builder.graph
    let result = try PassTester(graph: graph, fetches: [y]).runOptimizer()
    #expect(result.context.graph.nodes.count == 1)
    #expect(result.context.graph.nodes[0].op is FusedElementwise)
    let store = ParameterStore()
    var random = TestRandom(1)
    store.allocate(for: graph, using: &random)
    let plan = Executable(graph: graph, batchSize: 1, fetches: [y], store: store)
    let inputs: [Float] = [-3, -0.5, 0, 0.5, 3]
    let input = try #require(plan.buffer(x))
    for (i, value) in inputs.enumerated() { input.floats[i] = value }
    plan.run(RuntimeContext(step: 1, training: false))
    let output = try #require(plan.buffer(y))
    for (i, value) in inputs.enumerated() {
      #expect(abs(output.floats[i] - value / (1 + exp(-value))) < 1e-6)
    }
  }
}

/// The gradient of the composition, against finite differences.
private let siluGradient = GradientCase("Multiply", "SiLU, x · σ(x)") {
  var graph = Graph()
  let x = graph.addParameter("x", .fixed([3, 5]), initializer: .heUniform(fanIn: 1))
  var builder = GraphBuilder(graph: graph, namePrefix: "act")
  let y = try ActivationRegistry.named("silu")!.apply(x, &builder)
  return GradientChecker(graph: builder.graph, output: y)
}

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(siluGradient)
}
