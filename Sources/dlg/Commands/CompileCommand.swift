import ArgumentParser
import DLG
import DLGKernels
import Foundation

/// `dlg compile FILE`: build the training and inference graphs, optimize them, plan their
/// memory, and say what happened.
struct CompileCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compile",
    abstract: "Optimize a model's graphs and plan their memory; --explain says what changed.",
    discussion: """
      Examples:
        dlg compile graphs/fashion_mnist.dlg --explain
        dlg compile graphs/fashion_mnist.dlg --json --batch 64
        dlg compile graphs/fashion_mnist.dlg --explain --processes 4
      """)

  @ArgumentParser.Argument(help: "The .dlg model to compile.")
  var file: String

  @Flag(help: "Explain every pass: what it removed, folded or fused, and why it matters.")
  var explain = false

  @Flag(help: "Print the result as JSON.")
  var json = false

  @Option(
    parsing: .unconditional,
    help: "Batch size the memory plan is made for (default: the file's, or 32).")
  var batch: Int?

  @Option(help: "In a file with several train stages, compile this stage's training step.")
  var stage: String?

  @OptionGroup var optimization: OptimizationOptions

  @OptionGroup var threading: ThreadOptions

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Compile the step of a data-parallel run on N processes: each one's share of the batch, "
        + "and the gradient sums (--explain shows the buckets)."))
  var processes = 1

  @Option(parsing: .unconditional, help: "Megabytes per gradient bucket with --processes.")
  var bucketMb = 25.0

  func validate() throws {
    if let batch, batch < 1 || batch > 1 << 20 { throw ValidationError("--batch is out of range") }
    if !(1...65536).contains(processes) {
      throw ValidationError("--processes must be between 1 and 65536")
    }
    if !(0.001...4096).contains(bucketMb) {
      throw ValidationError("--bucket-mb must be between 0.001 and 4096")
    }
  }

  /// One graph's compilation, as reported.
  struct Summary {
    var nodesBefore: Int
    var nodesAfter: Int
    var reports: [PassReport]
    var plan: MemoryPlan
    /// Every tensor of the unoptimized graph in its own buffer: what memory planning saves.
    var naiveBytes: Int
    /// Steps of the parallel schedule, and the most nodes one step may run at once.
    var levels: Int
    var widestLevel: Int
    /// The largest tensors alive when memory peaks, with their bytes.
    var peakTensors: [(String, Int)]
    /// The optimized graph, in the order it runs.
    var graph: Graph

    /// Each node's name, op type and typed attributes, as the registry records them.
    var nodes: [[String: Any]] {
      graph.nodes.map { node in
        let record = (try? JSONEncoder().encode(OpRecord(node.op)))
          .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        return [
          "name": node.name, "op_type": node.op.opType,
          "attributes": record?["attributes"] ?? [:],
        ]
      }
    }

    var fused: Int {
      count(in: "fusion") + count(in: "elementwise fusion") + count(in: "product-epilogue fusion")
    }
    var folded: Int { count(in: "constant folding") }
    private func count(in pass: String) -> Int {
      reports.first { $0.pass == pass }?.changes.count ?? 0
    }

    var json: [String: Any] {
      [
        "nodes_before": nodesBefore, "nodes_after": nodesAfter, "fused": fused, "folded": folded,
        "arena_bytes": plan.arenaBytes, "naive_bytes": naiveBytes,
        "lower_bound_bytes": plan.lowerBoundBytes, "schedule_levels": levels,
        "widest_level": widestLevel,
        "peak_tensors": peakTensors.map { ["name": $0.0, "bytes": $0.1] as [String: Any] },
        "passes": reports.map { ["pass": $0.pass, "changes": $0.changes] }, "nodes": nodes,
      ]
    }
  }

  func run() throws {
    threading.apply()
    let model = try ModelLoading.load(file, stage: stage)
    try ModelLoading.requireExecutable(model)
    let globalBatch = batch ?? model.training?.batchSize ?? 32
    guard globalBatch % processes == 0 else {
      Terminal.failure(
        "batch \(globalBatch) cannot be split equally among \(processes) processes: use a "
          + "multiple of \(processes)")
      throw ExitCode.failure
    }
    // Each process plans for its share of the global batch.
    let batchSize = globalBatch / processes
    let level = optimization.level
    let strategy: MemoryPlanner.Strategy = level == .none ? .naive : .greedyBySize
    let forwardFetches = model.loss.map { [$0] + model.metrics.all.sorted() } ?? model.outputs
    let forward = DeadCodeElimination.run(model.graph, keeping: forwardFetches)
    let inference = summarize(forward, fetches: forwardFetches, batch: batchSize, level, strategy)
    var training: Summary?
    if let loss = model.loss, let config = model.training {
      do {
        let bucketBytes = Int(bucketMb * 1_048_576)
        let averaging: [any GradientTransform] =
          processes > 1
          ? [
            AverageGradientsAcrossProcesses(
              bucketBytes: bucketBytes, firstBucketBytes: min(1 << 20, bucketBytes))
          ] : []
        let graph = try Autodiff.trainingGraph(
          forward: model.graph, loss: loss, fetches: forwardFetches, optimizer: config.optimizer,
          gradientTransforms: averaging + config.gradientTransforms,
          parameters: config.parameters)
        training = summarize(graph.graph, fetches: graph.fetches, batch: batchSize, level, strategy)
      } catch {
        Terminal.failure("cannot differentiate \(file): \(error.description)")
        throw ExitCode.failure
      }
    }
    if json {
      var object = training?.json ?? [:]
      if let training, processes > 1 {
        object["processes"] = processes
        object["buckets"] = Self.buckets(of: training.graph).map {
          ["bytes": $0.bytes, "gradients": $0.gradients, "starts_after": $0.after] as [String: Any]
        }
      }
      object["inference"] = inference.json
      object["batch"] = batchSize
      object["optimization"] = level.rawValue
      let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
      print(String(decoding: data, as: UTF8.self))
      return
    }
    if let training {
      printSummary("training step", training, batchSize)
      if explain, processes > 1 { printBuckets(training.graph) }
    }
    printSummary("inference", inference, batchSize)
  }

  /// The gradient buckets of a data-parallel step, in the order they start: their bytes,
  /// their gradients, and the node each starts after.
  static func buckets(of graph: Graph) -> [(bytes: Int, gradients: [String], after: String)] {
    AverageGradientsAcrossProcesses.buckets(in: graph).map { index, bytes in
      (
        bytes, graph.nodes[index].inputs.map { graph[$0].name },
        index > 0 ? graph.nodes[index - 1].name : ""
      )
    }
  }

  private func printBuckets(_ graph: Graph) {
    let buckets = Self.buckets(of: graph)
    let total = buckets.reduce(0) { $0 + $1.bytes }
    print(
      "  data-parallel on \(processes) processes: each computes its "
        + "share of the batch, then \(megabytes(total)) of gradients are summed over the "
        + "processes in \(buckets.count) bucket\(buckets.count == 1 ? "" : "s"), each as soon as "
        + "its gradients exist:")
    for (number, bucket) in buckets.enumerated() {
      let names =
        bucket.gradients.count <= 4
        ? bucket.gradients.joined(separator: ", ")
        : bucket.gradients.prefix(3).joined(separator: ", ")
          + " and \(bucket.gradients.count - 3) more"
      print(
        "    • bucket \(number): \(megabytes(bucket.bytes)) (\(names)), starts after \(bucket.after)"
      )
    }
  }

  private func summarize(
    _ graph: Graph, fetches: [ValueID], batch: Int, _ level: OptimizationLevel,
    _ strategy: MemoryPlanner.Strategy
  ) -> Summary {
    let (context, reports) = GraphOptimizer.optimize(
      graph, fetches: fetches, level: level, evaluator: KernelConstantEvaluator())
    let concurrent = ThreadBudget.threads > 1
    let planned = concurrent ? ScheduleLevels.levelOrdered(context.graph) : context.graph
    let plan = MemoryPlanner.plan(
      planned, batch: batch, fetches: context.fetches, strategy: strategy,
      concurrent: concurrent, scratch: KernelTable.scratchCounts(planned, batch: batch))
    let naive = MemoryPlanner.plan(
      graph, batch: batch, fetches: fetches, strategy: .naive,
      scratch: KernelTable.scratchCounts(graph, batch: batch))
    let levels = ScheduleLevels(planned)
    let widest = Dictionary(grouping: levels.levels, by: { $0 }).values.map(\.count).max() ?? 0
    let peak = plan.peak.prefix(4).map { entry in
      entry.scratchNode.map { "scratch of \(planned.nodes[$0].name)" }
        ?? entry.values.map { planned[$0].name }.joined(separator: " = ")
    }
    return Summary(
      nodesBefore: graph.nodes.count, nodesAfter: context.graph.nodes.count, reports: reports,
      plan: plan, naiveBytes: naive.arenaBytes, levels: levels.count, widestLevel: widest,
      peakTensors: Array(zip(peak, plan.peak.prefix(4).map(\.bytes))), graph: planned)
  }

  private func printSummary(_ title: String, _ summary: Summary, _ batch: Int) {
    print(
      "\(title): \(summary.nodesBefore) nodes → \(summary.nodesAfter) "
        + "(\(summary.fused) fused, \(summary.folded) folded)")
    if explain, summary.reports.isEmpty {
      print("  -O0: every pass is off and every tensor gets its own buffer (the baseline)")
    }
    if explain {
      for report in summary.reports {
        print("  \(report.pass) — \(report.purpose)")
        if report.changes.isEmpty { print("    nothing to do") }
        for change in report.changes { print("    • \(change)") }
      }
    }
    let plan = summary.plan
    let overLowerBound =
      plan.lowerBoundBytes > 0
      ? Double(plan.arenaBytes) / Double(plan.lowerBoundBytes) * 100 - 100 : 0
    print(
      "  memory at batch \(batch): one arena of \(megabytes(plan.arenaBytes)) holds every tensor "
        + "of a step, \(String(format: "%.0f", overLowerBound))% above the lower bound of "
        + "\(megabytes(plan.lowerBoundBytes)) (the most that is ever alive at once); one buffer per "
        + "tensor of the unoptimized graph would take \(megabytes(summary.naiveBytes))")
    if explain, !summary.peakTensors.isEmpty {
      print(
        "  at the peak, the largest tensors alive are: "
          + summary.peakTensors.map { "\($0.0) (\(megabytes($0.1)))" }.joined(separator: ", "))
    }
    if explain {
      print(
        "  schedule: \(summary.levels) steps of nodes that wait on nothing else in the step; "
          + "up to \(summary.widestLevel) node\(summary.widestLevel == 1 ? "" : "s") may run at once"
          + (ThreadBudget.threads > 1
            ? " (planned for \(ThreadBudget.threads) threads: tensors of nodes that may run "
              + "together never share memory)"
            : " (planned for one thread: nodes run in order, so more tensors share memory)"))
    }
  }

  private func megabytes(_ bytes: Int) -> String {
    bytes >= 1 << 20
      ? String(format: "%.2f MiB", Double(bytes) / 1_048_576)
      : String(format: "%.1f KiB", Double(bytes) / 1024)
  }
}
