import DLGGraph
import DLGRuntime
import Foundation

/// Where training stands: with the weights and the optimizer state, enough to continue a run
/// exactly (shuffling derives from the seed and the epoch, dropout masks from the step).
public struct TrainingPosition: Sendable, Equatable {
  /// The epoch in progress, 1-based.
  public var epoch = 1
  /// Batches of that epoch already trained.
  public var batch = 0
  /// Optimizer steps taken in all.
  public var step = 0
  /// Running sums of the epoch in progress, so its averages come out as without a stop.
  public var lossSum = 0.0
  public var correctSum = 0.0
  public var samples = 0

  public init(
    epoch: Int = 1, batch: Int = 0, step: Int = 0, lossSum: Double = 0, correctSum: Double = 0,
    samples: Int = 0
  ) {
    self.epoch = epoch
    self.batch = batch
    self.step = step
    self.lossSum = lossSum
    self.correctSum = correctSum
    self.samples = samples
  }
}

/// Where early stopping stands: the best watched loss and the epochs since it improved.
public struct EarlyStoppingState: Sendable, Equatable {
  public var best = Double.infinity
  public var epochsWithoutImprovement = 0

  public init(best: Double = .infinity, epochsWithoutImprovement: Int = 0) {
    self.best = best
    self.epochsWithoutImprovement = epochsWithoutImprovement
  }
}

extension Trainer {
  /// `model.checkpoint.safetensors` beside where the run was started.
  static func defaultCheckpointPath(for model: String) -> String {
    URL(fileURLWithPath: model).deletingPathExtension().lastPathComponent
      + ".checkpoint.safetensors"
  }

  /// What the model computes up to its loss (metrics may change between runs).
  var graphFingerprint: String {
    model.graph.fingerprint(of: model.loss.map { [$0] } ?? model.outputs)
  }

  /// Settings a checkpoint must share with the run that resumes it.
  var settingsFingerprint: [String: String] {
    var settings = [
      "seed": String(config.seed), "batch_size": String(config.batchSize),
      "optimizer": String(describing: config.optimizer),
    ]
    // Only when set, so checkpoints of runs without them still resume.
    if let fraction = config.validationFraction { settings["validation"] = String(fraction) }
    if let clip = config.clipNorm { settings["clip_norm"] = String(clip) }
    if let stage = config.stage { settings["stage"] = stage }
    return settings
  }

  /// Writes weights, optimizer state and position, atomically (a kill mid-write leaves the
  /// previous checkpoint intact).
  ///
  /// In a data-parallel run rank 0 writes it and tells the others whether that worked, so
  /// every process goes on (or stops) together, and none exits before the file is whole.
  public func saveCheckpoint(to path: String) throws(TrainingError) {
    guard let communicator, communicator.size > 1 else { return try writeCheckpoint(to: path) }
    var failure: TrainingError?
    if writesOutputs {
      do { try writeCheckpoint(to: path) } catch { failure = error }
    }
    var failed: UInt8 = failure == nil ? 0 : 1
    withUnsafeMutableBytes(of: &failed) { communicator.broadcast($0, from: 0) }
    if let failure { throw failure }
    if failed != 0 { throw .checkpoint("rank 0 could not write the checkpoint \(path)") }
  }

  private func writeCheckpoint(to path: String) throws(TrainingError) {
    let entries = store.entries.filter {
      if case .constant = training.graph[$0.id].role { return false }
      return true
    }.map { SafeTensors.Entry(name: $0.name, buffer: $0.buffer) }
    var metadata = settingsFingerprint
    metadata["format"] = "dlg-checkpoint"
    // The model itself, ops and attributes: not only the settings around it.
    metadata["graph"] = graphFingerprint
    metadata["model"] = model.file.source.path
    metadata["epoch"] = String(position.epoch)
    metadata["batch"] = String(position.batch)
    metadata["step"] = String(position.step)
    metadata["loss_sum"] = String(position.lossSum.bitPattern)
    metadata["correct_sum"] = String(position.correctSum.bitPattern)
    metadata["samples"] = String(position.samples)
    metadata["best_watched_loss"] = String(earlyStopping.best.bitPattern)
    metadata["epochs_without_improvement"] = String(earlyStopping.epochsWithoutImprovement)
    rotateCheckpoints(at: path)
    try readingWeights { () throws(WeightsError) in
      try SafeTensors.write(entries, metadata: metadata, to: path)
    }
  }

  /// The older checkpoints kept beside `path` (`path.1` the newest of them), `keepCheckpoints`
  /// in all with `path` itself.
  static func rotatedCheckpoints(of path: String, keeping count: Int) -> [String] {
    count > 1 ? (1..<count).map { "\(path).\($0)" } : []
  }

  /// With `keepCheckpoints` > 1, shifts `path` to `path.1`, `path.1` to `path.2` and so on
  /// before a new checkpoint is written: a damaged newest one still leaves older ones.
  private func rotateCheckpoints(at path: String) {
    let older = Self.rotatedCheckpoints(of: path, keeping: keepCheckpoints)
    guard !older.isEmpty, FileManager.default.fileExists(atPath: path) else { return }
    for (index, name) in older.enumerated().reversed() {
      let source = index == 0 ? path : older[index - 1]
      if FileManager.default.fileExists(atPath: source) { rename(source, name) }
    }
  }

  /// Resumes from the newest checkpoint that loads: for a folder, its checkpoints by step; for
  /// a file, the file and then its rotated predecessors (`path.1`, ...). Returns the one used
  /// and the problems of those skipped; throws the first problem when none loads.
  public func resumeFromNewestValid(_ path: String) throws(TrainingError)
    -> (used: String, skipped: [String])
  {
    let candidates = try Self.checkpointCandidates(path)
    var problems: [String] = []
    var first: TrainingError?
    for candidate in candidates {
      do {
        try resume(from: candidate)
        return (candidate, problems)
      } catch {
        first = first ?? error
        problems.append(error.description)
      }
    }
    throw first ?? .checkpoint("\(path): no checkpoint")
  }

  /// The checkpoints `resumeFromNewestValid` tries, newest first: for a folder, its
  /// checkpoints by step; for a file, the file and then its rotated predecessors.
  public static func checkpointCandidates(_ path: String) throws(TrainingError) -> [String] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
      isDirectory.boolValue
    else {
      var candidates = [path]
      var index = 1
      while FileManager.default.fileExists(atPath: "\(path).\(index)") {
        candidates.append("\(path).\(index)")
        index += 1
      }
      return candidates
    }
    let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    let steps = names.filter { !$0.hasPrefix(".") }.compactMap { name -> (String, Int)? in
      let file = "\(path)/\(name)"
      guard let metadata = try? SafeTensors.readFile(file).metadata,
        metadata["format"] == "dlg-checkpoint", let step = metadata["step"].flatMap(Int.init)
      else { return nil }
      return (file, step)
    }
    guard !steps.isEmpty else {
      throw .checkpoint("\(path) holds no checkpoint that can be read")
    }
    return steps.sorted { ($0.1, $0.0) > ($1.1, $1.0) }.map(\.0)
  }

  /// The train stage the newest readable checkpoint at `path` belongs to (nil for a
  /// checkpoint of a file without stages, or when none can be read).
  public static func checkpointStage(_ path: String) -> String? {
    guard let candidates = try? checkpointCandidates(path) else { return nil }
    for candidate in candidates {
      if let metadata = try? SafeTensors.readFile(candidate).metadata,
        metadata["format"] == "dlg-checkpoint"
      {
        return metadata["stage"]
      }
    }
    return nil
  }

  /// Restores weights, optimizer state and position from a checkpoint of this model and these
  /// settings; says exactly what does not match otherwise.
  public func resume(from path: String) throws(TrainingError) {
    let bytes = try readingWeights { () throws(WeightsError) in try SafeTensors.fileBytes(path) }
    try resume(from: bytes, source: path)
  }

  /// `resume` from the bytes of a checkpoint held in memory; `source` names them in errors,
  /// as the path does for a file.
  public func resume(from bytes: [UInt8], source path: String) throws(TrainingError) {
    let (tensors, metadata) = try readingWeights { () throws(WeightsError) in
      try SafeTensors.decode(bytes, source: path)
    }
    guard metadata["format"] == "dlg-checkpoint" else {
      throw .checkpoint(
        "\(path) holds weights only, not a checkpoint: load it with `dlg eval --weights`, "
          + "or train from the start")
    }
    let settings = settingsFingerprint
    for (key, value) in settings.sorted(by: { $0.key < $1.key }) where metadata[key] != value {
      throw .checkpoint(
        "\(path) was written with \(key) \(metadata[key] ?? "unset"), but this run uses "
          + "\(value): resume with the same settings")
    }
    for key in ["validation", "clip_norm", "stage"]
    where settings[key] == nil && metadata[key] != nil {
      throw .checkpoint(
        "\(path) was written with \(key) \(metadata[key]!), but this run does not set it: "
          + "resume with the same settings")
    }
    // Checkpoints from before graphs had fingerprints carry none, and still resume.
    if let graph = metadata["graph"], graph != graphFingerprint {
      throw .checkpoint(
        "\(path) was written for another model, or by another version of dlg: the layers or "
          + "their settings differ from \(model.file.source.path) (graph \(graph), this model "
          + "\(graphFingerprint)); resume with the model and the dlg it was written with, or "
          + "train from the start")
    }
    // The position is checked before any tensor is loaded, so a corrupt one changes nothing.
    guard let epoch = metadata["epoch"].flatMap(Int.init),
      let batch = metadata["batch"].flatMap(Int.init),
      let step = metadata["step"].flatMap(Int.init),
      let lossBits = metadata["loss_sum"].flatMap(UInt64.init),
      let correctBits = metadata["correct_sum"].flatMap(UInt64.init),
      let samples = metadata["samples"].flatMap(Int.init),
      // Training would index batches and count steps from these: a negative one is corrupt.
      epoch >= 1, batch >= 0, step >= 0, samples >= 0
    else { throw .checkpoint("\(path): its position (epoch, batch, step) is missing or corrupt") }
    let persistent = training.graph.values.indices.map(ValueID.init).filter {
      switch training.graph[$0].role {
      case .parameter, .state, .statistic: true
      default: false
      }
    }
    try readingWeights { () throws(WeightsError) in
      try store.load(tensors, into: persistent, of: training.graph, path: path)
    }
    statisticsLoaded = true
    position = TrainingPosition(
      epoch: epoch, batch: batch, step: step, lossSum: Double(bitPattern: lossBits),
      correctSum: Double(bitPattern: correctBits), samples: samples)
    // Checkpoints written before early stopping was saved resume with a fresh count.
    if let best = metadata["best_watched_loss"].flatMap(UInt64.init),
      let stale = metadata["epochs_without_improvement"].flatMap(Int.init)
    {
      earlyStopping = EarlyStoppingState(
        best: Double(bitPattern: best), epochsWithoutImprovement: stale)
    }
  }
}
