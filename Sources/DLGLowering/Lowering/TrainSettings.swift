/// One setting of a `train` section: what it means and what applies when it is left out, for
/// help in editors (`dlg lsp`) and checked against the settings the lowering accepts.
public struct TrainSetting: Sendable {
  public var key: String
  public var summary: String
  public var defaultValue: String
}

/// The settings of a `train` section, in the order docs/language.md lists them.
public enum TrainSettings {
  public static let all: [TrainSetting] = [
    .init(
      key: "data",
      summary: "the training data: `idx(...)`, `cifar10(...)`, `csv(...)`, "
        + "`text(...)` or `chars(...)`", defaultValue: "required to run"),
    .init(key: "test", summary: "data evaluated after every epoch", defaultValue: "none"),
    .init(
      key: "loss",
      summary: "`softmax_cross_entropy(logits, labels)`, "
        + "`binary_cross_entropy(output, labels)` or `mse(output, targets)`",
      defaultValue: "required"),
    .init(
      key: "optimizer", summary: "`Adam(...)`, `AdamW(...)` or `SGD(...)`",
      defaultValue: "`Adam(lr: 0.001)`"),
    .init(key: "batch", summary: "mini-batch size", defaultValue: "32"),
    .init(key: "epochs", summary: "passes over the data", defaultValue: "1"),
    .init(
      key: "metrics", summary: "`accuracy`, `precision`, `recall`, `f1`, `confusion`",
      defaultValue: "none"),
    .init(key: "seed", summary: "seed for initialization and shuffling", defaultValue: "0"),
    .init(
      key: "schedule",
      summary: "`cosine(warmup:)`, `step(every:, factor:)` or "
        + "`warmup(steps:)`: a factor on the learning rate", defaultValue: "constant"),
    .init(
      key: "early_stopping",
      summary: "patience in epochs: stop when the validation loss has not improved for that long",
      defaultValue: "none"),
    .init(
      key: "clip_norm",
      summary: "scale all gradients down together when their global norm exceeds this",
      defaultValue: "none"),
    .init(
      key: "from",
      summary: "the stage whose trained weights this stage starts from (`from pretrain`)",
      defaultValue: "none"),
    .init(
      key: "freeze",
      summary: "layers or block uses whose parameters stay as they are (`freeze [conv1, conv2]`)",
      defaultValue: "none"),
    .init(
      key: "init",
      summary: "start from trained weights, matched by name: `init \"encoder.safetensors\"` or "
        + "`init weights(\"file\", prefix: \"enc. -> encoder.\", layout: pytorch)`",
      defaultValue: "random weights"),
    .init(
      key: "augment",
      summary: "random changes to each training sample: `augment [flip, crop(padding: 4), "
        + "translate(pixels: 2), brightness(0.2), contrast(0.2), noise(0.05)]`",
      defaultValue: "none"),
    .init(
      key: "classes",
      summary: "the name of each class in label order, saved with the weights: "
        + "`classes [\"T-shirt/top\", \"Trouser\", ...]`",
      defaultValue: "the data's (an image folder's sub-folders), else none"),
    .init(
      key: "validation",
      summary: "a fraction (0 < f < 1) of the training data held out and evaluated every epoch",
      defaultValue: "none"),
  ]

  public static func named(_ key: String) -> TrainSetting? { all.first { $0.key == key } }
}
