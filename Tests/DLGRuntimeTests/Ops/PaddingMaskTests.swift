import DLGGraph
import DLGLang
import DLGLowering
import DLGRuntime
import DLGTestSupport
import Testing

// Padding masks (`Embedding[..., mask_zero: true]`): the key mask of attention and masked
// sequence pooling by finite differences, and end to end that padded steps change nothing.

/// A fixed `[2, 4]` mask: sample 0 has two real steps, sample 1 none (every key hidden).
private let mask: [Float] = [1, 0, 1, 0, 0, 0, 0, 0]

private func masked(_ op: any Operator, _ variant: String, scores: [Int], softmax: Bool)
  -> GradientCase
{
  GradientCase(op.opType, variant) {
    var graph = Graph()
    let x = graph.addParameter("x", .fixed(scores), initializer: .heUniform(fanIn: 1))
    let m = graph.addInput("mask", TensorType(.float32, [.fixed(2), .fixed(4)]))
    var y = try graph.applySingleOutput(op, [x, m], name: op.name)
    if softmax { y = try graph.applySingleOutput(Softmax(), [y], name: "softmax") }
    var checker = GradientChecker(graph: graph, output: y)
    checker.fixedInputs = [(m, { buffer in for i in mask.indices { buffer.floats[i] = mask[i] } })]
    return checker
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    masked(MaskKeys(), "before a softmax, a row fully hidden", scores: [2, 3, 4], softmax: true),
    masked(MaskedSequencePool(max: false), "mean", scores: [2, 4, 3], softmax: false),
    masked(MaskedSequencePool(max: true), "max", scores: [2, 4, 3], softmax: false))
}

@Suite struct PaddingMaskTests {
  /// Lowers a network reading ids `i32[N, length]`; runs it on two samples. The weights come
  /// from a fixed seed in parameter order, so models that differ only in length share them.
  static func run(_ layers: String, length: Int, ids: [Int32]) throws -> [Float] {
    let text =
      "neuralnet sequential\n  i32[N, \(length)]\n  Embedding[10, 4, mask_zero: true]\n" + layers
    let (lowered, diagnostics) = ModelLowering.lower(
      Parser.parse(SourceFile(path: "mask.dlg", text: text)).model)
    #expect(diagnostics.isEmpty, "\(diagnostics)")
    let model = try #require(lowered)
    let (x, y) = (try #require(model.input), try #require(model.layers.last?.output))
    let store = ParameterStore()
    var random = TestRandom(6)
    store.allocate(for: model.graph, using: &random)
    let plan = Executable(graph: model.graph, batchSize: 2, fetches: [y], store: store)
    let input = try #require(plan.buffer(x))
    for i in ids.indices { input.ints[i] = ids[i] }
    plan.run(RuntimeContext(step: 1, training: false))
    let output = try #require(plan.buffer(y))
    return Array(UnsafeBufferPointer(start: output.floats, count: output.count))
  }

  /// Two words padded to five give what the same two words give unpadded: the LSTM (both
  /// directions), the GRU, attention's keys and the pooling all skip padded steps (whose
  /// embedding is not zero, so anything that read them would differ).
  @Test(arguments: [
    "  Bidirectional[LSTM[3]]\n",
    "  GRU[3, return_sequences: true]\n  GlobalAvgPool1D\n",
    "  MultiHeadAttention[2]\n  GlobalMaxPool1D\n",
    "  MultiHeadAttention[2]\n  GlobalAvgPool1D\n",
  ])
  func paddedStepsChangeNothing(layers: String) throws {
    let padded = try Self.run(layers, length: 5, ids: [3, 4, 0, 0, 0, 5, 6, 7, 8, 9])
    let bare = try Self.run(layers, length: 2, ids: [3, 4, 5, 6])
    let width = padded.count / 2
    #expect(width == bare.count / 2)
    for i in 0..<width { #expect(abs(padded[i] - bare[i]) < 1e-5, "\(padded) \(bare)") }
  }

  /// A sample that is all padding attends to nothing: zeros, never NaN.
  @Test func anAllPaddingSampleGivesZerosNotNaN() throws {
    let y = try Self.run(
      "  MultiHeadAttention[2]\n", length: 5, ids: [0, 0, 0, 0, 0, 3, 4, 0, 0, 0])
    let finite = y.allSatisfy { $0.isFinite }
    #expect(finite)
    #expect(y[0..<20].allSatisfy { $0 == y[0] })  // every position: the output bias alone
  }
}
