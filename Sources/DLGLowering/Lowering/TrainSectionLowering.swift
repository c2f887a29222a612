import DLGGraph
import DLGLang

/// Checks the `train` section and appends the loss and metrics to the forward graph.
struct TrainSectionLowering {
  static let keys = TrainSettings.all.map(\.key)

  var diagnostics: [Diagnostic] = []
  /// Every train section of the file, for `from` to find earlier stages.
  var fileTrains: [TrainSection] = []

  mutating func lower(_ section: TrainSection, into model: inout Model) {
    var seen: [String: TrainEntry] = [:]
    for entry in section.entries {
      let key = entry.key.name
      guard Self.keys.contains(key) else {
        let suggestion = closestMatch(to: key, among: Self.keys)
        diagnostics.append(
          Diagnostic(
            code: "E401", "unknown train setting `\(key)`", at: entry.key.range,
            help: suggestion.map { "did you mean `\($0)`?" }
              ?? "the settings are: " + Self.keys.joined(separator: ", "),
            replacement: suggestion))
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
    let batch =
      seen["batch"].flatMap { positiveInteger($0, maximum: TrainingConfig.maximumBatch) } ?? 32
    let epochs =
      seen["epochs"].flatMap { positiveInteger($0, maximum: TrainingConfig.maximumEpochs) } ?? 1
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
      validationFraction: seen["validation"].flatMap { validationFraction($0) },
      initialization: seen["init"].flatMap { weightsInit($0) }, stage: section.name?.name)
    if let entry = seen["from"] { model.training?.previousStage = previousStage(entry, section) }
    var parameters = model.parameterTraining
    if let entry = seen["freeze"] { parameters.frozen.formUnion(frozenParameters(entry, model)) }
    model.training?.parameters = parameters
    if let entry = seen["classes"] {
      let names = classNames(entry, model)
      model.training?.classNames = names
    }
    if let entry = seen["augment"] {
      let chosen = augmentations(entry, model)
      model.training?.augmentations = chosen
    }
    for (spec, entry) in [(data, seen["data"]), (test, seen["test"])] {
      if let spec, let entry { checkSequenceSource(spec, entry, against: model) }
    }
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

  /// `from pretrain`: a stage declared before this one.
  mutating func previousStage(_ entry: TrainEntry, _ section: TrainSection) -> String? {
    let before = stagesBefore(section)
    guard case .identifier(let name) = entry.value.kind, before.contains(name) else {
      diagnostics.append(
        Diagnostic(
          code: "E421", "`from` names a train stage declared before this one",
          at: entry.value.range,
          help: before.isEmpty
            ? "declare the stage first: `train pretrain` above this section"
            : "the stages before it: " + before.joined(separator: ", "),
          replacement: closestMatch(to: Self.identifierText(entry.value), among: before)))
      return nil
    }
    return name
  }

  /// The name an expression is, or "" (for did-you-mean suggestions).
  static func identifierText(_ expression: Expression) -> String {
    if case .identifier(let name) = expression.kind { return name }
    return ""
  }

  /// The stages of the file before `section`.
  func stagesBefore(_ section: TrainSection) -> [String] {
    var names: [String] = []
    for other in fileTrains {
      if other.range.start.offset >= section.range.start.offset { break }
      if let name = other.name?.name { names.append(name) }
    }
    return names
  }

  /// `freeze [conv1, encoder]`: every parameter of those layers or block uses.
  mutating func frozenParameters(_ entry: TrainEntry, _ model: Model) -> Set<ValueID> {
    let items: [Expression]
    if case .list(let list) = entry.value.kind { items = list } else { items = [entry.value] }
    let known = Set(model.layers.map(\.id) + model.blockInstances.map(\.id))
    var frozen = Set<ValueID>()
    for item in items {
      guard case .identifier(let name) = item.kind, known.contains(name) else {
        let suggestion = closestMatch(to: Self.identifierText(item), among: known.sorted())
        diagnostics.append(
          Diagnostic(
            code: "E422", "`freeze` lists layers or block uses of the model", at: item.range,
            help: suggestion.map { "did you mean `\($0)`?" }
              ?? "write their ids: `freeze [conv1, encoder]`", replacement: suggestion))
        continue
      }
      // A layer's parameters are `name.weight`; a block use's, `name.layer.weight`.
      let owned = model.graph.parameters.filter { model.graph[$0].name.hasPrefix(name + ".") }
      if owned.isEmpty {
        diagnostics.append(
          Diagnostic(
            .warning, code: "E422", "`\(name)` has no parameters to freeze", at: item.range))
      }
      frozen.formUnion(owned)
    }
    return frozen
  }

  /// `augment [flip, crop(padding: 4)]`: each change checked against its range and the input.
  mutating func augmentations(_ entry: TrainEntry, _ model: Model) -> [Augmentation] {
    let items: [Expression]
    if case .list(let list) = entry.value.kind { items = list } else { items = [entry.value] }
    let type = model.input.map { model.graph[$0].type }
    var image: (height: Int, width: Int)?
    if let type, type.rank == 4, case .fixed(let height) = type.shape[1],
      case .fixed(let width) = type.shape[2]
    {
      image = (height, width)
    }
    var chosen: [Augmentation] = []
    for item in items {
      guard
        let augmentation = Augmentations.table.lower(item, code: "E425", into: &diagnostics)
      else { continue }
      if let type, type.dtype != .float32 {
        diagnostics.append(
          Diagnostic(
            code: "E426", "augmentation changes float samples, but the input is \(type)",
            at: item.range, help: "augment image or feature inputs; word ids cannot be jittered"))
        continue
      }
      if let problem = Self.rangeProblem(augmentation.kind, image: image) {
        diagnostics.append(
          Diagnostic(
            code: "E426", problem.message, at: item.range, help: problem.help,
            notes: type.map { ["input: \($0)"] } ?? []))
        continue
      }
      chosen.append(augmentation)
    }
    return chosen
  }

  /// The largest `noise` deviation: far beyond any data's range (pixels 0 ... 255 included), and
  /// small enough that noisy values stay finite.
  static let maximumNoise = 1000.0

  /// What is wrong with an augmentation's value, for an input image of the given size (nil
  /// when the input is not an image).
  static func rangeProblem(_ kind: Augmentation.Kind, image: (height: Int, width: Int)?)
    -> (message: String, help: String)?
  {
    if kind.isSpatial, image == nil {
      return (
        "flips, crops and translations move pixels, so they need an image input",
        "declare the input as f32[N, height, width, channels]"
      )
    }
    switch kind {
    case .flip(let p) where p > 1:
      return ("flip(p: \(p)): a probability is at most 1", "`flip` mirrors half the samples")
    case .crop(let shift), .translate(let shift):
      let side = min(image?.height ?? 0, image?.width ?? 0)
      guard shift >= 1, shift < side else {
        return (
          "a shift of \(shift) pixels must be at least 1 and less than the image's side (\(side))",
          "a few pixels: `crop(padding: 4)` for 32x32 images"
        )
      }
      return nil
    case .brightness(let amount) where amount > 1, .contrast(let amount) where amount > 1:
      return ("a jitter of \(amount) is more than 1", "a small amount such as 0.2")
    case .noise(let deviation) where deviation > Self.maximumNoise:
      return (
        "noise(\(deviation)): a deviation is at most \(Int(Self.maximumNoise))",
        "a fraction of the data's range: `noise(0.05)` on values scaled to 0 ... 1"
      )
    default:
      return nil
    }
  }

  /// The longest sample a `text` or `chars` source may cut.
  static let maximumSequenceLength = 65_536

  /// A text source's pieces must be as long as the model's input, and a language model's
  /// output must score every id its vocabulary gives: both are known before any data is read.
  mutating func checkSequenceSource(
    _ spec: DataSourceSpec, _ entry: TrainEntry, against model: Model
  ) {
    guard spec.format == "text" || spec.format == "chars" else { return }
    let unit = spec.format == "chars" ? "characters" : "words"
    guard (1...Self.maximumSequenceLength).contains(spec.length) else {
      // Each sample is held as `length` values: 16 million of them per line would take
      // gigabytes before the first step.
      diagnostics.append(
        Diagnostic(
          code: "E419",
          "\(spec.format)(length: \(spec.length)): a sample holds 1 to "
            + "\(Self.maximumSequenceLength) \(unit)",
          at: entry.value.range, help: "sequence models read hundreds or thousands of steps"))
      return
    }
    guard let input = model.input else { return }
    let type = model.graph[input].type
    if type.rank == 2, case .fixed(let length) = type.shape[1], length != spec.length {
      diagnostics.append(
        Diagnostic(
          code: "E417",
          "\(spec.format)(length: \(spec.length)) gives \(spec.length) \(unit) per sample, but the "
            + "model's input reads \(length)",
          at: entry.value.range,
          help: "write `length: \(length)`, or change the input to i32[N, \(spec.length)] (and any "
            + "PositionalEmbedding with it)",
          notes: ["input: \(type)"]))
    }
    guard spec.format == "chars", spec.vocabulary > 0, let labels = model.labels,
      let loss = model.loss, let producer = model.graph[loss].producer
    else { return }
    let node = model.graph.nodes[producer]
    let logits = model.graph[node.inputs[0]].type
    // The loss says how many classes its predictions stand for, as training asks it.
    guard model.graph[labels].type.rank == 2,
      let classes = (node.op as? any LossOp)?.classCount(predictions: logits),
      classes < spec.vocabulary
    else { return }
    diagnostics.append(
      Diagnostic(
        code: "E418",
        "chars(vocabulary: \(spec.vocabulary)) gives ids up to \(spec.vocabulary - 1), but the "
          + "model scores only \(classes) characters",
        at: entry.value.range,
        help: "end the model in Dense[\(spec.vocabulary)], or write `vocabulary: \(classes)`",
        notes: ["logits: \(logits)"]))
  }
}
