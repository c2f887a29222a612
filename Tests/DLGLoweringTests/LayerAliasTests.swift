import DLGGraph
import DLGLang
import DLGLowering
import Testing

/// The layer names people know from Keras, PyTorch and Mermaid: each lowers to exactly what its
/// canonical layer gives (shape and parameters), and the rank-polymorphic ones pick 1-D or 2-D
/// from their input.
@Suite struct LayerAliasTests {
  /// The output shape and parameter count of `layer` after `input`.
  static func lowered(_ layer: String, input: String) throws -> (shape: String, parameters: Int) {
    let (model, diagnostics) = lower(
      """
      neuralnet
        x: \(input)
        y: \(layer)
        x --> y
      """)
    let found = try #require(model, "\(layer): \(diagnostics)")
    let info = try #require(found.layers.first { $0.id == "y" })
    return (info.outputType?.shapeDescription ?? "", info.parameterCount)
  }

  static let image = "Input[8, 8, 3]"
  static let sequence = "f32[N, 10, 4]"

  /// alias, canonical, input
  static let aliases: [(String, String, String)] = [
    ("Linear[5]", "Dense[5]", "Input[6]"),
    ("Conv2d[4, 3]", "Conv2D[4, 3]", image),
    ("Conv1d[4, 3]", "Conv1D[4, 3]", sequence),
    ("MaxPool2d[2]", "MaxPool2D[2]", image),
    ("MaxPooling2D[2]", "MaxPool2D[2]", image),
    ("AvgPool2d[2]", "AvgPool2D[2]", image),
    ("AveragePooling2D[2]", "AvgPool2D[2]", image),
    ("MaxPool1d[2]", "MaxPool1D[2]", sequence),
    ("AvgPool1d[2]", "AvgPool1D[2]", sequence),
    ("AveragePooling1D[2]", "AvgPool1D[2]", sequence),
    ("GlobalAveragePooling2D", "GlobalAvgPool2D", image),
    ("GlobalMaxPooling2D", "GlobalMaxPool2D", image),
    ("GlobalAveragePooling1D", "GlobalAvgPool1D", sequence),
    ("BatchNorm2d", "BatchNorm", image),
    ("BatchNorm1d", "BatchNorm", "Input[6]"),
    ("LayerNormalization", "LayerNorm", sequence),
    // Rank-polymorphic: the 2-D layer on images, the 1-D one on sequences.
    ("Conv[4, 3, relu]", "Conv2D[4, 3x3, relu]", image),
    ("Conv[4, 3, relu, padding: same]", "Conv1D[4, 3, relu, padding: same]", sequence),
    ("MaxPool[2]", "MaxPool2D[2x2]", image),
    ("MaxPool[2]", "MaxPool1D[2]", sequence),
    ("MaxPool[2, stride: 2]", "MaxPool1D[2]", sequence),
    ("AvgPool", "AvgPool2D", image),
    ("AvgPool[5]", "AvgPool1D[5]", sequence),
    ("GlobalAvgPool", "GlobalAvgPool2D", image),
    ("GlobalAvgPool", "GlobalAvgPool1D", sequence),
    ("GlobalMaxPool", "GlobalMaxPool2D", image),
    ("GlobalMaxPooling", "GlobalMaxPool1D", sequence),
  ]

  @Test(arguments: aliases.indices)
  func anAliasIsItsLayer(_ index: Int) throws {
    let (alias, canonical, input) = Self.aliases[index]
    let written = try Self.lowered(alias, input: input)
    let expected = try Self.lowered(canonical, input: input)
    #expect(written == expected, "\(alias) after \(input)")
  }

  @Test func polymorphicLayersSayWhatASequenceTakes() {
    for (layer, expected) in [
      ("MaxPool[2x3]", "MaxPool on a sequence takes one window, not 2x3"),
      ("MaxPool[2, stride: 1]", "MaxPool on a sequence takes only a window size"),
      ("Conv[4, 3x5]", "Conv on a sequence takes one kernel, not 3x5"),
    ] {
      let (_, diagnostics) = lower(
        "neuralnet\n  x: \(Self.sequence)\n  y: \(layer)\n  x --> y\n")
      #expect(diagnostics.contains { $0.message.contains(expected) }, "\(layer): \(diagnostics)")
    }
    let (_, flat) = lower("neuralnet\n  x: Input[6]\n  y: GlobalAvgPool\n  x --> y\n")
    #expect(flat.contains { $0.message.contains("GlobalAvgPool expects sequences") })
  }

  @Test func didYouMeanSuggestsTheCanonicalName() {
    for (typo, canonical) in [
      ("Linaer[5]", "Dense"), ("MaxPool2dd[2]", "MaxPool2D"), ("Dens[5]", "Dense"),
    ] {
      let (_, diagnostics) = lower("neuralnet\n  x: Input[6]\n  y: \(typo)\n  x --> y\n")
      #expect(diagnostics.first?.replacement == canonical, "\(typo): \(diagnostics)")
    }
  }
}
