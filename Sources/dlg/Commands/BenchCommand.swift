import ArgumentParser
import DLG
import DLGKernels
import Dispatch
import Foundation

/// `dlg bench FILE`: time training steps on generated data of the model's shapes.
struct BenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Time training steps on generated data and show where the time goes.")

  @ArgumentParser.Argument(help: "The .dlg model to benchmark.")
  var file: String

  @Option(help: "Mini-batch size (default: the file's).")
  var batch: Int?

  @Option(help: "Timed steps, after 5 warm-up steps.")
  var steps: Int = 50

  @OptionGroup var threading: ThreadOptions

  @OptionGroup var optimization: OptimizationOptions

  @Flag(help: "Print the result as JSON.")
  var json = false

  @Flag(help: "Time the forward pass alone (prediction) instead of training steps.")
  var inference = false

  func validate() throws {
    if steps < 1 || steps > 1_000_000 { throw ValidationError("--steps must be at least 1") }
    if let batch, batch < 1 || batch > 1 << 20 { throw ValidationError("--batch is out of range") }
  }

  func run() throws {
    threading.apply()
    let model = try ModelLoading.load(file)
    try ModelLoading.requireExecutable(model)
    let trainer: Trainer
    do {
      trainer = try Trainer(
        model: model, overrides: TrainingOverrides(batchSize: batch),
        optimization: optimization.level)
    } catch {
      Terminal.failure(error.description)
      throw ExitCode.failure
    }
    let batchSize = trainer.config.batchSize
    let plan =
      inference
      ? trainer.evaluationPlan(batchSize: batchSize) : trainer.trainingPlan(batchSize: batchSize)
    fillInputs(plan, model: model)
    for step in 1...5 { plan.run(StepInfo(step: step, training: !inference)) }
    var perNode: [Double] = []
    let start = DispatchTime.now().uptimeNanoseconds
    for step in 1...steps {
      plan.runProfiled(StepInfo(step: step + 5, training: true), seconds: &perNode)
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let msPerStep = seconds / Double(steps) * 1000
    let samplesPerSecond = Double(steps * batchSize) / seconds
    if json {
      let object: [String: Any] = [
        "model": file, "batch": batchSize, "threads": ThreadBudget.threads, "steps": steps,
        "ms_per_step": msPerStep, "samples_per_second": samplesPerSecond,
        "arena_bytes": plan.plan.arenaBytes, "peak_rss_bytes": Self.peakResidentBytes(),
        "mode": inference ? "inference" : "training",
      ]
      let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
      print(String(decoding: data, as: UTF8.self))
      return
    }
    print(
      String(
        format: "%@ (%@): batch %d, %d threads: %.2f ms/step, %.0f samples/s, peak RSS %.0f MiB",
        file, inference ? "inference" : "training", batchSize, ThreadBudget.threads, msPerStep,
        samplesPerSecond, Double(Self.peakResidentBytes()) / 1_048_576))
    print("top ops (ms per step):")
    let ranked = perNode.enumerated().sorted { $0.element > $1.element }.prefix(15)
    for (index, total) in ranked {
      let node = plan.graph.nodes[index]
      print(
        String(
          format: "  %7.3f  %5.1f%%  %@ (%@)", total / Double(steps) * 1000,
          total / seconds * 100, node.name, node.op.name))
    }
  }

  /// The most memory this process has had resident (Linux reports it in KiB).
  static func peakResidentBytes() -> Int {
    var usage = rusage()
    #if os(Linux)
      getrusage(RUSAGE_SELF.rawValue, &usage)
      return usage.ru_maxrss * 1024
    #else
      getrusage(RUSAGE_SELF, &usage)
      return usage.ru_maxrss
    #endif
  }

  /// Random inputs in [0, 1) and labels of class 0, so the step runs on realistic values.
  private func fillInputs(_ plan: Executable, model: Model) {
    var generator = SeededGenerator(seed: 1)
    if let input = model.input, let buffer = plan.buffer(input) {
      for i in 0..<buffer.count { buffer.floats[i] = Float.random(in: 0..<1, using: &generator) }
    }
    if let labels = model.labels, let buffer = plan.buffer(labels) {
      for i in 0..<buffer.count { buffer.ints[i] = 0 }
    }
    if let targets = model.targets, let buffer = plan.buffer(targets) {
      for i in 0..<buffer.count { buffer.floats[i] = 0 }
    }
  }
}
