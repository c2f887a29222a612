import DLGLang
import Testing

@testable import DLGLowering

/// The mistakes a file with train stages, `freeze`, `init` and layer training options can
/// hold, each reported at its place.
@Suite struct StageLoweringTests {
  static func diagnostics(_ text: String) -> [Diagnostic] {
    let parsed = Parser.parse(SourceFile(path: "s.dlg", text: text))
    return parsed.diagnostics + ModelLowering.lower(parsed.model).diagnostics
  }

  static let network = """
    neuralnet
      image: Input[4]
      a: Dense[8, relu]
      b: Dense[2]
      image --> a --> b

    """

  @Test func twoStagesWithOneNameAreAnError() {
    let found = Self.diagnostics(
      Self.network + "train one\n  loss mse(b, targets)\ntrain one\n  loss mse(b, targets)\n")
    #expect(found.contains { $0.code == "E113" && $0.message.contains("`one` is declared twice") })
    let unnamed = Self.diagnostics(
      Self.network + "train\n  loss mse(b, targets)\ntrain\n  loss mse(b, targets)\n")
    #expect(unnamed.contains { $0.code == "E113" && $0.help?.contains("train pretrain") == true })
  }

  @Test func fromMustNameAnEarlierStage() {
    let found = Self.diagnostics(
      Self.network
        + "train first\n  loss mse(b, targets)\n  from second\ntrain second\n  loss mse(b, targets)\n"
    )
    let e421 = found.first { $0.code == "E421" }
    #expect(e421?.range?.start.line == 8, "\(found)")
  }

  @Test func freezeNamesLayersAndStageNamesStages() {
    let found = Self.diagnostics(
      Self.network.replacingOccurrences(of: "Dense[8, relu]", with: "Dense[8, relu, stage: pre]")
        + "train\n  loss mse(b, targets)\n  freeze [aa]\n")
    #expect(found.contains { $0.code == "E422" && $0.replacement == "a" }, "\(found)")
    #expect(found.contains { $0.code == "E226" && $0.message.contains("`pre`") }, "\(found)")
  }

  @Test func layerTrainingOptionsAreChecked() {
    let found = Self.diagnostics(
      Self.network.replacingOccurrences(
        of: "Dense[8, relu]", with: "Dense[8, relu, trainable: maybe, lr_mult: -1]")
        + "train\n  loss mse(b, targets)\n")
    #expect(found.filter { $0.code == "E225" }.count == 2, "\(found)")
  }

  @Test func optionsReachTheTrainingConfig() throws {
    let parsed = Parser.parse(
      SourceFile(
        path: "s.dlg",
        text: Self.network.replacingOccurrences(of: "Dense[2]", with: "Dense[2, lr_mult: 0.1]")
          + "train\n  loss mse(b, targets)\n  freeze a\n"
          + "  init weights(\"w.safetensors\", prefix: \"enc. -> \", layout: pytorch)\n"))
    let model = try #require(ModelLowering.lower(parsed.model).model)
    let config = try #require(model.training)
    let names = Set(config.parameters.frozen.map { model.graph[$0].name })
    #expect(names == ["a.weight", "a.bias"])
    #expect(
      Set(config.parameters.learningRateMultipliers.values) == [0.1]
        && config.parameters.learningRateMultipliers.count == 2)
    #expect(config.initialization?.layout == .pytorch)
    #expect(config.initialization?.modelName(forFileTensor: "enc.a.weight") == "a.weight")
  }

  @Test func aRenameNeedsAnArrow() {
    let found = Self.diagnostics(
      Self.network + "train\n  loss mse(b, targets)\n  init weights(\"w\", prefix: \"enc.\")\n")
    #expect(found.contains { $0.code == "E420" && $0.message.contains("->") }, "\(found)")
  }
}

/// `augment`: each change checked against its range and the model's input.
@Suite struct AugmentLoweringTests {
  static func file(input: String, augment: String) -> String {
    """
    neuralnet
      image: Input[\(input)]
      flat: Flatten
      out: Dense[2]
      image --> flat --> out
    train
      loss softmax_cross_entropy(out, labels)
      augment \(augment)

    """
  }

  @Test func augmentationsReachTheTrainingConfig() throws {
    let parsed = Parser.parse(
      SourceFile(
        path: "a.dlg",
        text: Self.file(input: "8, 8, 3", augment: "[flip, crop(padding: 2), brightness(0.2)]")))
    let lowered = ModelLowering.lower(parsed.model)
    #expect(lowered.diagnostics.isEmpty, "\(lowered.diagnostics)")
    let kinds = try #require(lowered.model?.training?.augmentations.map(\.kind))
    #expect(kinds == [.flip(probability: 0.5), .crop(padding: 2), .brightness(amount: 0.2)])
  }

  @Test func mistakesAreLocated() {
    let unknown = StageLoweringTests.diagnostics(Self.file(input: "8, 8, 1", augment: "flipp"))
    #expect(unknown.contains { $0.code == "E425" && $0.help?.contains("`flip`") == true })
    let flat = StageLoweringTests.diagnostics(Self.file(input: "64", augment: "[noise(0.1), flip]"))
    #expect(flat.count == 1 && flat.first?.code == "E426", "\(flat)")
    #expect(flat.first?.range?.start.line == 8 && flat.first?.range?.start.column == 24)
    let wide = StageLoweringTests.diagnostics(
      Self.file(input: "8, 8, 1", augment: "crop(padding: 8)"))
    #expect(
      wide.contains { $0.code == "E426" && $0.message.contains("less than the image's side (8)") })
    let bright = StageLoweringTests.diagnostics(
      Self.file(input: "8, 8, 1", augment: "[brightness(1.5), flip(p: 2)]"))
    #expect(bright.filter { $0.code == "E426" }.count == 2, "\(bright)")
    let loud = StageLoweringTests.diagnostics(Self.file(input: "8, 8, 1", augment: "noise(1e38)"))
    #expect(loud.contains { $0.code == "E426" && $0.message.contains("at most 1000") })
    let ids = StageLoweringTests.diagnostics(
      Self.file(input: "8, 8, 1", augment: "noise(0.1)").replacingOccurrences(
        of: "Input[8, 8, 1]", with: "i32[N, 8]"
      ).replacingOccurrences(of: "flat: Flatten", with: "flat: Embedding[20, 4]"))
    #expect(ids.contains { $0.code == "E426" && $0.message.contains("i32") }, "\(ids)")
  }
}
