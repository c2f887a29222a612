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

  @OptionGroup var threading: ThreadOptions

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

  func run() throws {
    threading.apply()
    let model = try ModelLoading.load(file)
    try ModelLoading.requireExecutable(model)
    let outputs = [
      ("--save", save), ("--checkpoint", checkpoint), ("--log", log), ("--plot", plot),
    ]
    .compactMap { flag, path in path.map { (flag: flag, path: $0) } }
    if let problem = OutputPaths.problem(outputs, modelFile: file) {
      Terminal.failure(problem)
      throw ExitCode.failure
    }
    do {
      let trainer = try Trainer(
        model: model, overrides: TrainingOverrides(epochs: epochs, batchSize: batch, seed: seed),
        optimization: optimization.level)
      trainer.checkpointPath = checkpoint
      trainer.checkpointEverySteps = checkpointEvery
      trainer.keepCheckpoints = keep ?? 1
      trainer.shouldStop = { Interrupts.requested }
      if let resume {
        let (used, skipped) = try trainer.resumeFromNewestValid(resume)
        for problem in skipped { Terminal.errorLine("skipped: \(problem)") }
        Terminal.errorLine(
          "resuming from \(used): epoch \(trainer.position.epoch), batch \(trainer.position.batch)")
      }
      let logFile = try log.map { path throws(TrainingError) in
        try JSONLinesLog(path: path, append: resume != nil)
      }
      let (train, test) = try trainer.loadData()
      Interrupts.install()
      Terminal.errorLine(
        "training \(file): \(model.parameterCount) parameters, \(train.count) samples, "
          + "batch \(trainer.config.batchSize), \(trainer.config.epochs) epoch(s)")
      let display = ProgressDisplay(interactive: Terminal.standardErrorIsTerminal)
      var records: [EpochRecord] = []
      _ = try trainer.train(on: train, test: test, observer: display) {
        record throws(TrainingError) in
        try logFile?.append(record)
        if let save { try trainer.saveWeights(to: save) }
        records.append(record)
        if let plot, !CurvesFile.write(records, to: plot, title: model.title) {
          throw .checkpoint("cannot write the plot \(plot)")
        }
      }
      if let save { Terminal.errorLine("saved weights to \(save)") }
    } catch {
      if case .interrupted = error {
        // Not a failure of the input: the user (or the job's scheduler) asked to stop, and
        // nothing is lost.
        Terminal.errorLine(error.description)
        throw ExitCode(Interrupts.exitStatus)
      }
      Terminal.failure(error.description)
      throw ExitCode.failure
    }
  }
}
