import ArgumentParser
import DLG
import DLGKernels
import Foundation

/// `dlg run FILE`: train a model as its train section says, with command-line overrides.
struct RunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Train a model on the data its train section names, evaluating after each epoch.",
    discussion: """
      Examples:
        dlg run graphs/fashion_mnist.dlg --epochs 3 --save weights.safetensors
        dlg run graphs/mlp.dlg --log run.jsonl --plot curves.svg
        dlg run graphs/fashion_mnist.dlg --checkpoint run.ckpt --keep 3
        dlg run graphs/fashion_mnist.dlg --resume run.ckpt
      """)

  @ArgumentParser.Argument(help: "The .dlg model to train.")
  var file: String

  @Option(parsing: .unconditional, help: "Number of epochs (overrides the file).")
  var epochs: Int?

  @Option(parsing: .unconditional, help: "Mini-batch size (overrides the file).")
  var batch: Int?

  @Option(
    parsing: .unconditional,
    help: "Seed for weight initialization and shuffling (overrides the file).")
  var seed: UInt64?

  @Option(parsing: .unconditional, help: "Train on the first N samples of the data only.")
  var limit: Int?

  @OptionGroup var threading: ThreadOptions

  @OptionGroup var parallel: DistributedOptions

  @OptionGroup var optimization: OptimizationOptions

  @Option(help: "Write one JSON object per epoch to this file (JSON Lines).")
  var log: String?

  @Option(help: "Write the trained weights to this file (safetensors).")
  var save: String?

  @Option(help: "Draw loss and accuracy per epoch to this SVG file (updated every epoch).")
  var plot: String?

  @Option(help: "Write a checkpoint (weights, optimizer state, position) here every epoch.")
  var checkpoint: String?

  @Option(parsing: .unconditional, help: "Also write the checkpoint every N steps.")
  var checkpointEvery: Int?

  @Option(
    parsing: .unconditional,
    help: "Keep this many checkpoints: the newest at --checkpoint, older ones at FILE.1, FILE.2...")
  var keep: Int?

  @Option(
    help: ArgumentHelp(
      "Start from these weights (safetensors), matched by name, instead of random ones; "
        + "overrides the file's `init`."))
  var `init`: String?

  @Option(
    help: ArgumentHelp(
      "Continue from a checkpoint written by --checkpoint or by Ctrl-C; a damaged one falls "
        + "back to FILE.1, FILE.2...; a folder resumes from its newest valid checkpoint."))
  var resume: String?

  func validate() throws {
    if let epochs, epochs < 1 || epochs > TrainingConfig.maximumEpochs {
      throw ValidationError("--epochs must be between 1 and \(TrainingConfig.maximumEpochs)")
    }
    if let batch, batch < 1 || batch > TrainingConfig.maximumBatch {
      throw ValidationError("--batch must be between 1 and \(TrainingConfig.maximumBatch)")
    }
    if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    if let checkpointEvery, checkpointEvery < 1 {
      throw ValidationError("--checkpoint-every must be at least 1")
    }
    if let keep, keep < 1 || keep > 1000 {
      throw ValidationError("--keep must be between 1 and 1000")
    }
    if keep != nil, checkpoint == nil { throw ValidationError("--keep needs --checkpoint FILE") }
    if checkpointEvery != nil, checkpoint == nil {
      throw ValidationError("--checkpoint-every needs --checkpoint FILE")
    }
  }

  @Option(
    help: ArgumentHelp(
      "In a file with several train stages, run only this one (its `from` stage's weights "
        + "come from --init, or from where --save wrote them)."))
  var stage: String?

  func run() throws {
    let communicator = try parallel.start()
    guard let communicator else {
      threading.apply()
      return try runStages(communicator: nil)
    }
    threading.apply(processesOnThisMachine: MPICommunicator.processesOnThisMachine)
    Terminal.rankPrefix = "rank \(communicator.rank): "
    Terminal.notesSilenced = communicator.rank != 0
    do {
      try runStages(communicator: communicator)
    } catch let exit as ExitCode where exit.rawValue == Interrupts.exitStatus {
      // Every process stopped at the same step after rank 0 wrote the checkpoint.
      communicator.finish()
      throw exit
    } catch {
      // Perhaps this process alone met it: end the whole job now rather than let the others
      // wait for it.
      communicator.abort()
    }
    communicator.finish()
  }

  func runStages(communicator: MPICommunicator?) throws {
    let model = try ModelLoading.load(file)
    try ModelLoading.requireExecutable(model)
    let outputs = [
      ("--save", save), ("--checkpoint", checkpoint), ("--log", log), ("--plot", plot),
    ]
    .compactMap { flag, path in path.map { (flag: flag, path: $0) } }
    // Rank 0 alone writes outputs (on its own machine).
    if communicator?.rank ?? 0 == 0, let problem = OutputPaths.problem(outputs, modelFile: file) {
      Terminal.failure(problem)
      throw ExitCode.failure
    }
    let stages = ModelLowering.stages(of: model.file)
    guard !stages.isEmpty else {
      if let stage {
        Terminal.failure("--stage \(stage): \(file) has a single train section, without stages")
        throw ExitCode.failure
      }
      try train(model, isLast: true, communicator: communicator)
      return
    }
    var chosen = stages
    if let stage {
      guard stages.contains(stage) else {
        Terminal.failure(
          "--stage \(stage): \(file) has the stages " + stages.joined(separator: ", "))
        throw ExitCode.failure
      }
      chosen = [stage]
    } else if let resume, let resumed = Trainer.checkpointStage(resume),
      let index = stages.firstIndex(of: resumed)
    {
      // The stages before the checkpoint's are done; it continues, the rest follow.
      chosen = Array(stages[index...])
    }
    var handedOn: [String: [String: SafeTensors.Tensor]] = [:]
    for (index, name) in chosen.enumerated() {
      let (lowered, diagnostics) = ModelLowering.lower(model.file, stage: name)
      guard let stageModel = lowered else {
        ModelLoading.report(
          diagnostics,
          DiagnosticRenderer(sources: [model.file.source], color: Terminal.standardErrorIsTerminal))
        throw ExitCode.failure
      }
      Terminal.note("stage \(name) (\(index + 1) of \(chosen.count))")
      handedOn[name] = try train(
        stageModel, isLast: name == stages.last, first: index == 0, handedOn: handedOn,
        communicator: communicator)
    }
  }

  /// A stage's own output path: `out/model.pretrain.safetensors` for `out/model.safetensors`;
  /// the last stage (the model for use) writes the path itself.
  static func stagePath(_ path: String, stage: String?, isLast: Bool) -> String {
    guard let stage, !isLast else { return path }
    let file = path as NSString
    let base = file.deletingPathExtension
    return file.pathExtension.isEmpty
      ? "\(base).\(stage)" : "\(base).\(stage).\(file.pathExtension)"
  }

  func overrides(first: Bool) -> TrainingOverrides {
    var overrides = TrainingOverrides(
      epochs: epochs, batchSize: batch, seed: seed,
      initialization: first ? `init`.map { WeightsInitSpec(path: $0) } : nil)
    overrides.limit = limit
    return overrides
  }

  /// Trains one model (one stage); returns its weights for the stages after it.
  @discardableResult
  func train(
    _ model: Model, isLast: Bool, first: Bool = true,
    handedOn: [String: [String: SafeTensors.Tensor]] = [:], communicator: MPICommunicator?
  ) throws -> [String: SafeTensors.Tensor] {
    let stage = model.training?.stage
    let save = save.map { Self.stagePath($0, stage: stage, isLast: isLast) }
    let plot = plot.map { Self.stagePath($0, stage: stage, isLast: isLast) }
    // Only the first stage run resumes; --init replaces the file's `init` of the first one.
    let resume = first ? resume : nil
    do {
      let trainer = try Trainer(
        model: model,
        overrides: overrides(first: first),
        optimization: optimization.level, communicator: communicator,
        bucketBytes: parallel.bucketBytes)
      trainer.checkpointPath = checkpoint
      trainer.checkpointEverySteps = checkpointEvery
      trainer.keepCheckpoints = keep ?? 1
      trainer.shouldStop = { Interrupts.requested }
      if resume == nil {
        try initialize(trainer, first: first, handedOn: handedOn)
      }
      if let resume {
        let (used, skipped) = try trainer.resumeFromNewestValid(resume)
        for problem in skipped { Terminal.note("skipped: \(problem)") }
        Terminal.note(
          "resuming from \(used): epoch \(trainer.position.epoch), batch \(trainer.position.batch)")
      }
      let logPath = trainer.writesOutputs ? log : nil
      let logFile = try logPath.map { path throws(TrainingError) in
        try JSONLinesLog(path: path, append: resume != nil || !first)
      }
      let (train, test) = try trainer.loadData()
      for note in trainer.dataNotes { Terminal.note(note) }
      Interrupts.install()
      Terminal.note(
        "training \(file)\(stage.map { ", stage \($0)" } ?? ""): "
          + "\(trainer.trainedParameterCount) of \(model.parameterCount) parameters trained, "
          + "\(train.count) samples, batch \(trainer.config.batchSize), "
          + "\(trainer.config.epochs) epoch(s)"
          + (trainer.augmenter.map {
            ", augmented: " + $0.augmentations.map(\.description).joined(separator: ", ")
          } ?? ""))
      if let communicator {
        let tail = train.count % trainer.config.batchSize
        if tail > 0, tail < communicator.size {
          Terminal.note(
            "the last \(tail) sample(s) of each epoch are left out: too few to share among "
              + "\(communicator.size) processes")
        }
        Terminal.note(
          "data-parallel on \(communicator.size) processes: \(trainer.config.batchSize / communicator.size) "
            + "samples each per batch, \(ThreadBudget.threads) thread(s) per process, gradients summed in "
            + trainer.gradientBuckets.map { String(format: "%.1f", Double($0) / 1_048_576) }
            .joined(separator: " + ") + " MB")
      }
      let display =
        trainer.writesOutputs ? ProgressDisplay(interactive: Terminal.standardErrorIsTerminal) : nil
      var records: [EpochRecord] = []
      _ = try trainer.train(on: train, test: test, observer: display) {
        record throws(TrainingError) in
        try logFile?.append(record)
        if let save { try trainer.saveWeights(to: save) }
        records.append(record)
        let title = [model.title, stage].compactMap { $0 }.joined(separator: ": ")
        if let plot, !CurvesFile.write(records, to: plot, title: title.isEmpty ? nil : title) {
          throw .checkpoint("cannot write the plot \(plot)")
        }
      }
      if let save { Terminal.note("saved weights to \(save)") }
      if let communicator, communicator.statistics.buckets > 0 {
        let totals = communicator.statistics
        let steps = Double(max(totals.buckets / max(trainer.gradientBuckets.count, 1), 1))
        Terminal.note(
          String(
            format: "gradient sums: %.1f MB a step in %.2f ms, %.2f ms of it waited for "
              + "(%.0f%% hidden behind the backward pass)",
            Double(totals.bytes) / steps / 1_048_576, totals.communicationSeconds / steps * 1e3,
            totals.waitingSeconds / steps * 1e3, totals.hiddenFraction * 100))
      }
      return trainer.weightTensors()
    } catch {
      if case .interrupted = error {
        // Not a failure of the input: the user (or the job's scheduler) asked to stop, and
        // nothing is lost.
        Terminal.note(error.description)
        throw ExitCode(Interrupts.exitStatus)
      }
      Terminal.failure(error.description)
      throw ExitCode.failure
    }
  }

  /// The weights a run starts from: the `init` file (or --init), then the weights of the
  /// stage named by `from`, handed on in this run or read from where --save wrote them.
  func initialize(
    _ trainer: Trainer, first: Bool, handedOn: [String: [String: SafeTensors.Tensor]]
  ) throws(TrainingError) {
    let config = trainer.config
    if let spec = config.initialization {
      for line in try trainer.initializeWeights(from: spec).lines { Terminal.note(line) }
    }
    guard let previous = config.previousStage else { return }
    if let tensors = handedOn[previous] {
      let report = try trainer.initializeWeights(
        from: tensors, spec: WeightsInitSpec(path: previous), source: "stage \(previous)")
      for line in report.lines { Terminal.note(line) }
      return
    }
    // Run alone (--stage): --init already gave the weights, or --save's stage file has them.
    if first, `init` != nil { return }
    if let save {
      let path = Self.stagePath(save, stage: previous, isLast: false)
      if FileManager.default.fileExists(atPath: path) {
        for line in try trainer.initializeWeights(from: WeightsInitSpec(path: path)).lines {
          Terminal.note(line)
        }
        return
      }
    }
    throw .notTrainable(
      "stage \(config.stage ?? "") starts from the weights of stage \(previous): run "
        + "`dlg run \(file) --stage \(previous) --save FILE` first and pass the same --save, or "
        + "give them with --init FILE")
  }
}
