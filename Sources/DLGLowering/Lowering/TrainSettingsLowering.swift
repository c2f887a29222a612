import DLGGraph
import DLGLang

/// The train section's settings, each checked with a located message: data sources, the
/// optimizer and the schedule through their tables, numbers and lists by hand.
extension TrainSectionLowering {
  /// `data idx("/folder", split: "train", scale: 1/255)`, `test csv(...)`, `text(...)`.
  mutating func dataSource(_ entry: TrainEntry) -> DataSourceSpec? {
    // `limit:`, `subset:` and `subset_seed:` apply to every format: taken off first.
    var value = entry.value
    var selection: [String: Int] = [:]
    if case .call(let name, let arguments) = value.kind {
      var kept: [Argument] = []
      for argument in arguments {
        guard let label = argument.label?.name, DataSourceSpec.selectionOptions.contains(label)
        else {
          kept.append(argument)
          continue
        }
        guard case .integer(let n) = argument.value.kind, n >= (label == "subset_seed" ? 0 : 1)
        else {
          diagnostics.append(
            Diagnostic(
              code: "E423", "`\(label):` takes a positive number of samples",
              at: argument.value.range,
              help: label == "limit"
                ? "write `limit: 1000` to use the first 1,000 samples"
                : "write `subset: 600` to use 600 samples chosen at random (seeded)"))
          return nil
        }
        selection[label] = n
      }
      value = Expression(.call(name: name, arguments: kept), range: value.range)
    }
    guard var spec = DataSourceFormats.table.lower(value, code: "E407", into: &diagnostics)
    else { return nil }
    if spec.split.isEmpty { spec.split = entry.key.name == "test" ? spec.testSplit : "train" }
    if spec.format == "images" {
      guard spec.channels == 1 || spec.channels == 3 else {
        diagnostics.append(
          Diagnostic(
            code: "E424", "images(...) reads 1 (grayscale) or 3 (RGB) channels",
            at: entry.value.range, help: "write `channels: 1` or `channels: 3`"))
        return nil
      }
      guard spec.imageSize.count == 2, spec.imageSize.allSatisfy({ (1...4096).contains($0) })
      else {
        diagnostics.append(
          Diagnostic(
            code: "E424", "images(...) resizes to 1 ... 4096 pixels a side",
            at: entry.value.range, help: "write `size: 32x32`"))
        return nil
      }
    }
    spec.limit = selection["limit"]
    spec.subset = selection["subset"]
    spec.subsetSeed = UInt64(selection["subset_seed"] ?? 0)
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
  mutating func clipNorm(_ entry: TrainEntry) -> Float? {
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
  mutating func validationFraction(_ entry: TrainEntry) -> Double? {
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
  mutating func patience(_ entry: TrainEntry) -> Int? {
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
  mutating func schedule(_ entry: TrainEntry) -> LearningRateSchedule? {
    Schedules.table.lower(entry.value, code: "E413", into: &diagnostics)
  }

  /// `optimizer Adam(lr: 0.001)`, `AdamW(...)`, `SGD(lr: 0.1, momentum: 0.9)`.
  mutating func optimizerSpec(_ entry: TrainEntry) -> OptimizerSpec? {
    Optimizers.table.lower(entry.value, code: "E409", into: &diagnostics)
  }

  mutating func positiveInteger(_ entry: TrainEntry, maximum: Int, allowZero: Bool = false)
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

  mutating func metricList(_ entry: TrainEntry) -> [String] {
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

  /// `classes ["cat", "dog"]`: one non-empty, distinct name per class, as many as the loss has
  /// classes when that is known.
  mutating func classNames(_ entry: TrainEntry, _ model: Model) -> [String]? {
    let items: [Expression]
    if case .list(let list) = entry.value.kind { items = list } else { items = [entry.value] }
    var names: [String] = []
    for item in items {
      guard case .string(let name) = item.kind, !name.isEmpty, name.count <= 200 else {
        diagnostics.append(
          Diagnostic(
            code: "E427", "a class name must be a non-empty quoted string of up to 200 characters",
            at: item.range, help: "write `classes [\"cat\", \"dog\"]`"))
        return nil
      }
      guard !names.contains(name) else {
        diagnostics.append(
          Diagnostic(
            code: "E427", "the class name \"\(name)\" appears twice", at: item.range,
            help: "give each class its own name"))
        return nil
      }
      names.append(name)
    }
    let loss = model.loss.flatMap { model.graph[$0].producer }.map { model.graph.nodes[$0] }
    if let loss, let op = loss.op as? any LossOp,
      let count = op.classCount(predictions: model.graph[loss.inputs[0]].type),
      count != names.count
    {
      diagnostics.append(
        Diagnostic(
          code: "E427", "\(names.count) class names for a loss of \(count) classes",
          at: entry.value.range, help: "name every class once, in label order"))
      return nil
    }
    return names
  }
}
