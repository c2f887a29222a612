import DLGGraph
import DLGLang
import DLGLowering
import Testing

/// LSTM, GRU and RNN layers: their shapes, PyTorch's parameter layout and counts, the
/// `Bidirectional[...]` wrapper, and errors at the layer's line for inputs that are not
/// sequences.
@Suite struct RecurrentLayerTests {
  static func model(_ layers: String, input: String = "i32[N, 10]") -> String {
    """
    neuralnet sequential
      \(input)
      Embedding[100, 8]
    \(layers)
    """
  }

  func outputShape(_ text: String) throws -> String {
    let (model, diagnostics) = lower(text)
    #expect(diagnostics.isEmpty, "\(diagnostics)")
    let m = try #require(model)
    return try #require(m.layers.last?.outputType).description
  }

  @Test func shapesFollowReturnSequencesAndDirections() throws {
    #expect(try outputShape(Self.model("  LSTM[16]")) == "f32[N×16]")
    #expect(try outputShape(Self.model("  GRU[16, return_sequences: true]")) == "f32[N×10×16]")
    #expect(try outputShape(Self.model("  RNN[4, bidirectional: true]")) == "f32[N×8]")
    #expect(try outputShape(Self.model("  Bidirectional[LSTM[16]]")) == "f32[N×32]")
    #expect(
      try outputShape(Self.model("  LSTM[6, return_sequences: true] * 3\n  GRU[5]"))
        == "f32[N×5]")
  }

  /// The parameters PyTorch's nn.LSTM(8, 16, bidirectional=True) has, with its names and
  /// shapes: 4·16·(8 + 16) + 2·4·16 per direction.
  @Test func parametersHavePyTorchsLayout() throws {
    let (model, diagnostics) = lower(Self.model("  rnn: Bidirectional[LSTM[16]]"))
    #expect(diagnostics.isEmpty, "\(diagnostics)")
    let graph = try #require(model).graph
    let shapes = Dictionary(
      uniqueKeysWithValues: graph.parameters.map { (graph[$0].name, graph[$0].type.description) })
    #expect(shapes["rnn.weight_ih"] == "f32[64×8]")
    #expect(shapes["rnn.weight_hh"] == "f32[64×16]")
    #expect(shapes["rnn.bias_ih"] == "f32[64]")
    #expect(shapes["rnn.weight_hh_reverse"] == "f32[64×16]")
    let rnnCount = graph.parameters.filter { graph[$0].name.hasPrefix("rnn.") }
      .map { graph[$0].type.elementsPerItem }.reduce(0, +)
    #expect(rnnCount == 2 * (4 * 16 * (8 + 16) + 2 * 4 * 16))
  }

  @Test func anImageIsRefusedAtTheLayerWithTheFix() throws {
    let (_, diagnostics) = lower(
      """
      neuralnet sequential
        Input[28, 28, 1]
        LSTM[16]
      """)
    let error = try #require(diagnostics.first)
    #expect(error.message.contains("LSTM reads sequences [N, length, features]"))
    #expect(error.message.contains("N×28×28×1"))
    #expect(error.range?.start.line == 3)
    #expect(error.help?.contains("Reshape[height, width·channels]") == true)
  }

  @Test func aLastStateCannotFeedAnotherRecurrentLayer() throws {
    let (_, diagnostics) = lower(Self.model("  LSTM[16]\n  LSTM[8]"))
    #expect(diagnostics.first?.help?.contains("return_sequences: true") == true)
  }

  @Test func bidirectionalWrapsOnlyRecurrentLayers() throws {
    let (_, diagnostics) = lower(Self.model("  Bidirectional[Dense[16]]"))
    #expect(diagnostics.first?.message == "Bidirectional wraps one recurrent layer")
    #expect(diagnostics.first?.range?.start.line == 4)
  }
}
