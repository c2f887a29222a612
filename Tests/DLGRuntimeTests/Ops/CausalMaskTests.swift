import DLGGraph
import DLGLang
import DLGLowering
import DLGRuntime
import DLGTestSupport
import Testing

// CausalMask, alone and inside the attention layer it serves: the gradient of a whole
// MultiHeadAttention (projections, heads, scaled products, mask, softmax) by finite differences.

/// A model's graph with its last layer's output, its inputs filled with seeded values.
private func lowered(_ network: String) throws -> GradientChecker {
  let file = Parser.parse(SourceFile(path: "attention.dlg", text: "neuralnet\n" + network)).model
  let (model, diagnostics) = ModelLowering.lower(file)
  guard let model, diagnostics.isEmpty, let output = model.layers.last?.output else {
    throw TestSupportError("the model does not lower: \(diagnostics)")
  }
  var checker = GradientChecker(graph: model.graph, output: output)
  var random = TestRandom(4)
  checker.fixedInputs = model.inputs.values.sorted().map { value in
    let values = random.floats(model.graph[value].type.elementCount(batch: 1))
    return (value, { buffer in for i in values.indices { buffer.floats[i] = values[i] } })
  }
  return checker
}

private let causalAttention = GradientCase("CausalMask", "MultiHeadAttention, causal") {
  try lowered(
    "  x: Input[4, 6]\n  a: MultiHeadAttention[2, causal: true]\n  x --> a\n")
}

private let crossAttention = GradientCase("BatchedMatMul", "MultiHeadAttention, cross") {
  try lowered(
    "  q: Input[3, 4]\n  m: Input[5, 6]\n  a: MultiHeadAttention[2, key_dim: 3]\n  q --> a\n  m --> a\n"
  )
}

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    .op(CausalMask(fill: -3), "finite fill", inputs: [[2, 4, 4]]), causalAttention,
    crossAttention)
}

/// The attention layer's shapes and its errors before any data is read.
@Suite struct AttentionLayerTests {
  func lower(_ network: String) -> (Model?, [Diagnostic]) {
    ModelLowering.lower(
      Parser.parse(SourceFile(path: "a.dlg", text: "neuralnet\n" + network)).model)
  }

  @Test func selfAndCrossAttentionKeepTheQueriesShape() throws {
    let (model, diagnostics) = lower(
      "  x: Input[8, 16]\n  a: MultiHeadAttention[4, causal: true]\n  x --> a\n")
    #expect(diagnostics.isEmpty, "\(diagnostics)")
    #expect(model?.layers.last?.outputType == .batched([8, 16]))
    let (cross, errors) = lower(
      "  q: Input[3, 8]\n  m: Input[7, 12]\n  a: MultiHeadAttention[2]\n  q --> a\n  m --> a\n")
    #expect(errors.isEmpty, "\(errors)")
    #expect(cross?.layers.last?.outputType == .batched([3, 8]))
  }

  /// Causal: changing the last position's input changes no earlier position's output.
  @Test func causalAttentionDoesNotSeeTheFuture() throws {
    let (lowered, _) = lower(
      "  x: Input[5, 8]\n  a: MultiHeadAttention[2, causal: true]\n  x --> a\n")
    let model = try #require(lowered)
    let (x, y) = (try #require(model.input), try #require(model.layers.last?.output))
    let store = ParameterStore()
    var random = TestRandom(2)
    store.allocate(for: model.graph, using: &random)
    let plan = Executable(graph: model.graph, batchSize: 2, fetches: [y], store: store)
    let values = random.floats(2 * 5 * 8)
    func run(changingLast: Bool) throws -> [Float] {
      let input = try #require(plan.buffer(x))
      for i in values.indices { input.floats[i] = values[i] }
      if changingLast { for i in 0..<8 { input.floats[4 * 8 + i] += 1 } }
      plan.run(RuntimeContext(step: 1, training: false))
      let output = try #require(plan.buffer(y))
      return Array(UnsafeBufferPointer(start: output.floats, count: output.count))
    }
    let (before, after) = (try run(changingLast: false), try run(changingLast: true))
    #expect(Array(before[0..<32]) == Array(after[0..<32]))
    #expect(Array(before[32..<40]) != Array(after[32..<40]))
    #expect(Array(before[40...]) == Array(after[40...]))
  }

  @Test func headsThatDoNotDivideTheWidthAreLocated() {
    let (_, diagnostics) = lower("  x: Input[8, 10]\n  a: MultiHeadAttention[4]\n  x --> a\n")
    #expect(
      diagnostics.contains {
        $0.range?.start.line == 3 && $0.message.contains("4 heads do not divide the model width 10")
      }, "\(diagnostics)")
    let (_, causal) = lower(
      "  q: Input[3, 8]\n  m: Input[7, 8]\n  a: MultiHeadAttention[2, causal: true]\n  q --> a\n  m --> a\n"
    )
    #expect(causal.contains { $0.message.contains("causal attention needs keys as long") })
    let (_, image) = lower("  x: Input[4, 4, 3]\n  a: MultiHeadAttention[1]\n  x --> a\n")
    #expect(image.contains { $0.message.contains("works on sequences") })
  }
}
