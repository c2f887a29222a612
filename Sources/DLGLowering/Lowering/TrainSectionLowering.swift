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

  private mutating func lowerLoss(_ entry: TrainEntry, metrics: [String], into model: inout Model) {
    guard case .call(let name, let arguments) = entry.value.kind else {
      diagnostics.append(
        Diagnostic(
          code: "E404", "the loss must be a call such as `softmax_cross_entropy(out, labels)`",
          at: entry.value.range))
      return
    }
    guard let function = LossRegistry.named(name.name) else {
      diagnostics.append(
        Diagnostic(
          code: "E404", "unknown loss `\(name.name)`", at: name.range,
          help: closestMatch(to: name.name, among: LossRegistry.names).map {
            "did you mean `\($0)`?"
          } ?? "available: " + LossRegistry.names.joined(separator: ", ")))
      return
    }
    let expectedTarget = function.target.rawValue
    guard arguments.count == 2, case .identifier(let outputName) = arguments[0].value.kind,
      case .identifier(let labelName) = arguments[1].value.kind
    else {
      diagnostics.append(
        Diagnostic(
          code: "E405",
          "\(name.name) takes two names: the output layer and `\(expectedTarget)`",
          at: entry.value.range, help: "write `\(name.name)(out, \(expectedTarget))`"))
      return
    }
    guard
      let named = model.namedOutputs[outputName]
        ?? model.layers.first(where: { $0.id == outputName })?.output
    else {
      // A layer that exists but could not be lowered already has its own error.
      let declared = model.file.network?.layers.compactMap(\.id?.name) ?? []
      if declared.contains(outputName) || model.layers.contains(where: { $0.id == outputName }) {
        return
      }
      diagnostics.append(
        Diagnostic(
          code: "E406", "no layer named `\(outputName)`", at: arguments[0].range,
          help: closestMatch(to: outputName, among: Array(model.namedOutputs.keys)).map {
            "did you mean `\($0)`?"
          }))
      return
    }
    guard labelName == expectedTarget else {
      diagnostics.append(
        Diagnostic(
          code: "E405", "the second argument of \(name.name) must be `\(expectedTarget)`",
          at: arguments[1].range,
          help: "\(expectedTarget) come from the data source; write `\(expectedTarget)`"))
      return
    }
    do {
      let nodes = try function.lower(named, Set(metrics), &model.graph, entry.range)
      switch function.target {
      case .labels: model.labels = nodes.target
      case .targets: model.targets = nodes.target
      }
      model.loss = nodes.loss
      model.metrics = ModelMetrics(correct: nodes.correct, predicted: nodes.predicted)
    } catch {
      diagnostics.append(
        Diagnostic(
          code: "E301", error.message, at: entry.value.range, help: error.help,
          notes: error.notes))
    }
  }

  /// `data idx("/folder", split: "train", scale: 1/255)`, `test csv(...)`, `text(...)`.
  private mutating func dataSource(_ entry: TrainEntry) -> DataSourceSpec? {
    guard var spec = DataSourceFormats.table.lower(entry.value, code: "E407", into: &diagnostics)
    else { return nil }
    if spec.split.isEmpty { spec.split = entry.key.name == "test" ? spec.testSplit : "train" }
    return spec
  }

  /// Column names written as a name, a string, or a list of them.
  static func columnNames(_ value: Constant) -> [String]? {
    switch value {
    case .name(let n), .string(let n): return [n]
    case .list(let items):
      let names = items.compactMap { item -> String? in
        if case .name(let n) = item { return n }
        if case .string(let n) = item { return n }
        return nil
      }
      return names.count == items.count ? names : nil
    default: return nil
    }
  }

  /// `clip_norm 1.0`: the largest global norm gradients keep.
  private mutating func clipNorm(_ entry: TrainEntry) -> Float? {
    guard let value = (try? ConstantEvaluator.evaluate(entry.value))?.number, value > 0,
      value.isFinite
    else {
      diagnostics.append(
        Diagnostic(
          code: "E415", "clip_norm takes a positive number", at: entry.value.range,
          help: "write `clip_norm 1.0` to scale gradients down when their global norm exceeds 1"))
      return nil
    }
    return Float(value)
  }

  /// `validation 0.1`: the fraction of the training data held out to validate on.
  private mutating func validationFraction(_ entry: TrainEntry) -> Double? {
    guard let value = (try? ConstantEvaluator.evaluate(entry.value))?.number, value > 0,
      value < 1
    else {
      diagnostics.append(
        Diagnostic(
          code: "E416", "validation takes the fraction of training data to hold out",
          at: entry.value.range, help: "write `validation 0.1` to validate on 10% of it"))
      return nil
    }
    return value
  }

  /// `early_stopping 3`: the patience, in epochs.
  private mutating func patience(_ entry: TrainEntry) -> Int? {
    guard case .integer(let n) = entry.value.kind, n >= 1, n <= 10_000 else {
      diagnostics.append(
        Diagnostic(
          code: "E414", "early_stopping takes a patience in epochs", at: entry.value.range,
          help: "write `early_stopping 3` to stop after 3 epochs without a better loss"))
      return nil
    }
    return n
  }

  /// `schedule cosine(warmup: 100)`, `step(every: 3, factor: 0.5)`, `warmup(steps: 500)`.
  private mutating func schedule(_ entry: TrainEntry) -> LearningRateSchedule? {
    Schedules.table.lower(entry.value, code: "E413", into: &diagnostics)
  }

  /// `optimizer Adam(lr: 0.001)`, `AdamW(...)`, `SGD(lr: 0.1, momentum: 0.9)`.
  private mutating func optimizerSpec(_ entry: TrainEntry) -> OptimizerSpec? {
    Optimizers.table.lower(entry.value, code: "E409", into: &diagnostics)
  }

  private mutating func positiveInteger(_ entry: TrainEntry, maximum: Int, allowZero: Bool = false)
    -> Int?
  {
    guard case .integer(let n) = entry.value.kind, n >= (allowZero ? 0 : 1), n <= maximum else {
      diagnostics.append(
        Diagnostic(
          code: "E411",
          "`\(entry.key.name)` must be \(allowZero ? "a non-negative" : "a positive") integer"
            + (maximum < Int.max ? " up to \(maximum)" : ""),
          at: entry.value.range))
      return nil
    }
    return n
  }

  private mutating func metricList(_ entry: TrainEntry) -> [String] {
    let items: [Expression]
    if case .list(let list) = entry.value.kind { items = list } else { items = [entry.value] }
    var names: [String] = []
    for item in items {
      guard case .identifier(let name) = item.kind, MetricNames.all.contains(name) else {
        diagnostics.append(
          Diagnostic(
            code: "E412", "unknown metric", at: item.range,
            help: "available metrics: " + MetricNames.all.joined(separator: ", ")))
        continue
      }
      names.append(name)
    }
    return names
  }
}
