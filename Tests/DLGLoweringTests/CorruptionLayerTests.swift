import DLGGraph
import DLGLang
import Testing

@testable import DLGLowering

/// The layers that corrupt inputs while training (for denoising stages): what they lower
/// to, and their mistakes, located.
@Suite struct CorruptionLayerTests {
  static func lower(_ layer: String, input: String = "8, 8, 1") -> (
    model: Model?, diagnostics: [Diagnostic]
  ) {
    let text = """
      neuralnet
        image: Input[\(input)]
        bad:   \(layer)
        flat:  Flatten
        out:   Dense[2]
        image --> bad --> flat --> out

      """
    return ModelLowering.lower(Parser.parse(SourceFile(path: "c.dlg", text: text)).model)
  }

  @Test func noiseAndPatchDropoutLowerToTheirOps() throws {
    for (layer, op) in [
      ("GaussianNoise[0.1]", GaussianNoise.opType),
      ("PatchDropout[0.5, patch: 4x4]", PatchDropout.opType),
    ] {
      let lowered = Self.lower(layer)
      #expect(lowered.diagnostics.isEmpty, "\(lowered.diagnostics)")
      let graph = try #require(lowered.model?.graph)
      #expect(graph.nodes.contains { $0.op.opType == op }, "\(layer)")
    }
  }

  @Test func mistakesAreLocated() {
    let cases = [
      ("PatchDropout[0.5, patch: 9x9]", "8, 8, 1", "must fit the 8x8 image"),
      ("PatchDropout[0.5, patch: 2x2]", "64", "drops patches of images"),
      ("PatchDropout[1.5, patch: 2x2]", "8, 8, 1", "below 1"),
      ("GaussianNoise[-1]", "8, 8, 1", "must not be negative"),
    ]
    for (layer, input, message) in cases {
      let found = Self.lower(layer, input: input).diagnostics
      #expect(
        found.contains { $0.range?.start.line == 3 && $0.message.contains(message) },
        "\(layer): \(found)")
    }
  }
}
