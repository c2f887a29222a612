import DLGGraph
import DLGLang

/// Checks the `train` section and appends the loss and metrics to the forward graph.
struct TrainSectionLowering {
  static let keys = [
    "data", "test", "loss", "optimizer", "batch", "epochs", "metrics", "seed", "schedule",
    "early_stopping", "clip_norm", "validation",
  ]

  var diagnostics: [Diagnostic] = []

  mutating func lower(_ section: TrainSection, into model: inout Model) {
    var seen: [String: TrainEntry] = [:]
    for entry in section.entries {
      let key = entry.key.name
      guard Self.keys.contains(key) else {
        diagnostics.append(
          Diagnostic(
            code: "E401", "unknown train setting `\(key)`", at: entry.key.range,
            help: closestMatch(to: key, among: Self.keys).map { "did you mean `\($0)`?" }
              ?? "the settings are: " + Self.keys.joined(separator: ", ")))
        continue
      }
      if let first = seen[key] {
        diagnostics.append(
          Diagnostic(
            code: "E402", "`\(key)` is set twice", at: entry.key.range,
            help: "remove one of them", notes: ["first set at \(first.range.description)"]))
        continue
      }
      seen[key] = entry
    }

    let data = seen["data"].flatMap { dataSource($0) }
    let test = seen["test"].flatMap { dataSource($0) }
    let optimizer = seen["optimizer"].flatMap { optimizerSpec($0) } ?? .adam(AdamSettings())
    let batch = seen["batch"].flatMap { positiveInteger($0, maximum: 1 << 20) } ?? 32
    let epochs = seen["epochs"].flatMap { positiveInteger($0, maximum: 1 << 20) } ?? 1
    let seed = seen["seed"].flatMap { positiveInteger($0, maximum: Int.max, allowZero: true) } ?? 0
    var metrics: [String] = []
    if let entry = seen["metrics"] { metrics = metricList(entry) }
    if let entry = seen["loss"] {
      lowerLoss(entry, metrics: metrics, into: &model)
    } else {
      diagnostics.append(
        Diagnostic(
          code: "E403", "the train section needs a loss", at: section.range,
          help: "add a line such as `loss softmax_cross_entropy(out, labels)`"))
    }
    model.training = TrainingConfig(
      data: data, test: test, optimizer: optimizer, batchSize: batch, epochs: epochs,
      metrics: metrics, seed: UInt64(seed),
      schedule: seen["schedule"].flatMap { schedule($0) } ?? .constant,
      earlyStoppingPatience: seen["early_stopping"].flatMap { patience($0) },
      clipNorm: seen["clip_norm"].flatMap { clipNorm($0) },
      validationFraction: seen["validation"].flatMap { validationFraction($0) })
    if model.training?.earlyStoppingPatience != nil, data != nil, test == nil,
      model.training?.validationFraction == nil
    {
      diagnostics.append(
        Diagnostic(
          code: "E414",
          "early stopping watches the validation or test loss, but there is neither",
          at: seen["early_stopping"]?.range,
          help: "hold out training data with `validation 0.1`, or add a `test` data source"))
    }
  }
}
