import ArgumentParser
import DLG
import DLGKernels
import Dispatch
import Foundation

/// `dlg bench FILE`: time training steps on generated data of the model's shapes.
struct BenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Time training steps on generated data and show where the time goes.",
    discussion: """
      Runs warm-up steps, then --steps timed steps on random inputs of the model's shapes, and \
      prints ms per step, steps/s, samples/s, achieved GFLOP/s in matrix products, peak memory \
      and the ops that take the most time. --kernels times each matrix-product op alone next \
      to a bare OpenBLAS sgemm of the same shape. Build in release mode to time anything.

      With this machine's peaks measured once (--calibrate: the FMA rate of every thread on the \
      widest vectors, and read bandwidth from L2, L3 and memory, kept in \
      ~/.cache/dlg/machine-peak.json), it also prints the roofline: the FLOPs and bytes the \
      step must do at least, the least time they take at those peaks, and the fraction of it \
      the step and each op achieve.

      Examples:
        dlg bench --calibrate
        dlg bench graphs/fashion_mnist.dlg --kernels
        dlg bench graphs/fashion_mnist.dlg --inference --batch 1 --json
      """)

  @ArgumentParser.Argument(help: "The .dlg (or .onnx) model to benchmark.")
  var file: String?

  @Flag(
    help: ArgumentHelp(
      "Measure this machine's peak FMA rate and read bandwidths, keep them for the roofline, "
        + "and print them (then time the model, if one is given)."))
  var calibrate = false

  @Option(parsing: .unconditional, help: "Mini-batch size (default: the file's).")
  var batch: Int?

  @Option(parsing: .unconditional, help: "Timed steps, after 5 warm-up steps.")
  var steps: Int = 50

  @OptionGroup var threading: ThreadOptions

  @OptionGroup var optimization: OptimizationOptions

  @Flag(help: "Print the result as JSON.")
  var json = false

  @Flag(
    help: ArgumentHelp(
      "Time the plan `dlg predict` runs (the forward graph alone, no loss or metrics) "
        + "instead of training steps."))
  var inference = false

  @Option(
    help: ArgumentHelp(
      "Weights to load (safetensors, f32 or int8 from `dlg quantize`) instead of the "
        + "file's initialization."))
  var weights: String?

  @Flag(
    name: .customLong("kernels"),
    help: "Also time each matrix-product op alone against a bare OpenBLAS sgemm of its shape.")
  var kernelComparison = false

  func validate() throws {
    if file == nil && !calibrate {
      throw ValidationError("give the model to time (or --calibrate alone)")
    }
    if steps < 1 || steps > 1_000_000 { throw ValidationError("--steps must be at least 1") }
    if let batch, batch < 1 || batch > 1 << 20 { throw ValidationError("--batch is out of range") }
  }

  func run() throws {
    threading.apply()
    let machine = calibrate ? try measureMachine() : MachinePeak.saved()
    guard let file else { return }
    let (plan, batchSize, augment) =
      file.hasSuffix(".onnx") ? try onnxPlan(file) : try modelPlan(file)
    var augmentationSeconds = 0.0
    for step in 1...5 {
      augment?(step, &augmentationSeconds)
      plan.run(RuntimeContext(step: step, training: !inference))
    }
    var perNode: [Double] = []
    augmentationSeconds = 0
    // The step's time is the plan's plus the augmentation's (restoring the batch is not timed).
    var seconds = 0.0
    for step in 1...steps {
      augment?(step + 5, &augmentationSeconds)
      let start = DispatchTime.now().uptimeNanoseconds
      plan.runProfiled(RuntimeContext(step: step + 5, training: !inference), seconds: &perNode)
      seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
    seconds += augmentationSeconds
    let msPerStep = seconds / Double(steps) * 1000
    let samplesPerSecond = Double(steps * batchSize) / seconds
    let nodeFlops = plan.graph.nodes.indices.map { index in
      plan.matrixProducts(ofNode: index).reduce(0) { $0 + $1.flops }
    }
    let flopsPerStep = nodeFlops.reduce(0, +)
    let gflops = Double(flopsPerStep) * Double(steps) / seconds / 1e9
    let ranked = perNode.enumerated().sorted { $0.element > $1.element }.prefix(15)
    let kernels = kernelComparison ? compareWithSgemm(plan, inference: inference) : []
    let costs = plan.graph.nodes.indices.map { plan.rooflineCost(ofNode: $0) }
    let stepCost = costs.reduce(RooflineCost(flops: 0, bytes: 0), +)
    let rooflineSeconds = machine.map { plan.rooflineSeconds(on: $0) }
    /// The op's least time over its measured time: 1 is the physical limit.
    func achieved(_ index: Int) -> Double? {
      guard let machine, perNode[index] > 0, costs[index].bytes > 0 else { return nil }
      return costs[index].seconds(on: machine) * Double(steps) / perNode[index]
    }
    if json {
      var object: [String: Any] = [
        "model": file, "batch": batchSize, "threads": ThreadBudget.threads, "steps": steps,
        "ms_per_step": msPerStep, "steps_per_second": Double(steps) / seconds,
        "samples_per_second": samplesPerSecond, "flops_per_step": flopsPerStep, "gflops": gflops,
        "arena_bytes": plan.plan.arenaBytes, "peak_rss_bytes": Self.peakResidentBytes(),
        "mode": inference ? "inference" : "training",
        "optimization": optimization.level.rawValue,
        "augmentation_ms_per_step": augmentationSeconds / Double(steps) * 1000,
        "top_ops": ranked.map { index, total in
          var op: [String: Any] = [
            "name": plan.graph.nodes[index].name, "op": plan.graph.nodes[index].op.name,
            "ms_per_step": total / Double(steps) * 1000, "flops": costs[index].flops,
            "bytes": costs[index].bytes,
          ]
          if let fraction = achieved(index) { op["roofline_fraction"] = fraction }
          return op
        },
      ]
      var roofline: [String: Any] = ["flops": stepCost.flops, "bytes": stepCost.bytes]
      if let machine, let rooflineSeconds {
        roofline["ms_per_step"] = rooflineSeconds * 1000
        roofline["fraction"] = rooflineSeconds * 1000 / msPerStep
        roofline["machine"] = Self.machineJSON(machine)
      }
      object["roofline"] = roofline
      if kernelComparison {
        object["kernels"] = kernels.map { row in
          [
            "name": row.name, "op": row.op, "products": row.products, "op_ms": row.opSeconds * 1000,
            "sgemm_ms": row.sgemmSeconds * 1000, "efficiency": row.efficiency,
          ] as [String: Any]
        }
      }
      let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
      print(String(decoding: data, as: UTF8.self))
      return
    }
    print(
      String(
        format: "%@ (%@): batch %d, %d threads%@",
        file, inference ? "inference" : "training", batchSize, ThreadBudget.threads,
        optimization.level == .none ? ", -O0" : ""))
    print(
      String(
        format: "  %.2f ms/step, %.1f steps/s, %.0f samples/s, %.1f GFLOP/s in matrix products "
          + "(%.1f MFLOP a step), peak RSS %.0f MiB",
        msPerStep, Double(steps) / seconds, samplesPerSecond, gflops,
        Double(flopsPerStep) / 1e6, Double(Self.peakResidentBytes()) / 1_048_576))
    if augment != nil {
      print(
        String(
          format: "  augmentation: %.3f ms/step (%.1f%% of the step)",
          augmentationSeconds / Double(steps) * 1000, augmentationSeconds / seconds * 100))
    }
    if let machine, let rooflineSeconds {
      print(
        String(
          format: "  roofline: %.1f MFLOP and %.1f MB a step; at this machine's peaks (%@) at "
            + "least %.3f ms: %.0f%% achieved",
          Double(stepCost.flops) / 1e6, Double(stepCost.bytes) / 1e6, Self.peaks(machine),
          rooflineSeconds * 1000, rooflineSeconds * 1000 / msPerStep * 100))
    } else {
      print(
        String(
          format: "  roofline: %.1f MFLOP and %.1f MB a step (`dlg bench --calibrate` once to "
            + "see them against this machine's peaks)",
          Double(stepCost.flops) / 1e6, Double(stepCost.bytes) / 1e6))
    }
    let opTotal = perNode.reduce(0, +)
    print(
      "top ops (ms per step, share of all op time, GFLOP/s"
        + (machine == nil ? "" : ", share of the roofline achieved")
        + "; concurrent ops each count):")
    for (index, total) in ranked {
      let node = plan.graph.nodes[index]
      let rate = nodeFlops[index] > 0 ? Double(nodeFlops[index]) * Double(steps) / total / 1e9 : 0
      let fraction = achieved(index).map { String(format: "  %4.0f%%", $0 * 100) } ?? ""
      print(
        String(
          format: "  %7.3f  %5.1f%%  %@%@  %@ (%@)", total / Double(steps) * 1000,
          total / max(opTotal, 1e-12) * 100, rate > 0 ? String(format: "%6.1f", rate) : "      ",
          fraction, node.name, node.op.name))
    }
    if kernelComparison { printKernels(kernels) }
  }

  /// The training or evaluation plan of a .dlg model, its inputs filled.
  /// A file's `augment`, if any, comes back as what to run before each training step (as
  /// `dlg run` does), so that its cost is timed with the step's.
  private func modelPlan(_ file: String) throws -> (Executable, Int, ((Int, inout Double) -> Void)?)
  {
    let model = try ModelLoading.load(file)
    try ModelLoading.requireExecutable(model)
    let trainer: Trainer
    do {
      trainer = try Trainer(
        model: model, overrides: TrainingOverrides(batchSize: batch),
        optimization: optimization.level)
      if let weights, !inference { try trainer.loadWeights(from: weights) }
    } catch {
      Terminal.failure(error.description)
      throw ExitCode.failure
    }
    let batchSize = trainer.config.batchSize
    if inference {
      // What `dlg predict` and `dlg serve` run: the forward graph alone (no loss, no labels,
      // no metrics), on the given weights or the file's initialization, int8 weights read as
      // int8 where a kernel can.
      do {
        let (tensors, source) =
          try weights.map { (try SafeTensors.readFile($0).tensors, $0) }
          ?? (trainer.weightTensors(), file)
        let predictor = try Predictor(
          model: model, tensors: tensors, source: source, optimization: optimization.level)
        let plan = predictor.compiledPlan(batchSize: batchSize)
        fillInputs(plan, model: model)
        return (plan, batchSize, nil)
      } catch {
        Terminal.failure(String(describing: error))
        throw ExitCode.failure
      }
    }
    let plan =
      inference
      ? trainer.evaluationPlan(batchSize: batchSize) : trainer.trainingPlan(batchSize: batchSize)
    fillInputs(plan, model: model)
    guard !inference, let augmenter = trainer.augmenter, let input = model.input,
      let features = plan.buffer(input)
    else { return (plan, batchSize, nil) }
    // Every step augments the same generated batch afresh, as training augments each new one:
    // the clean copy goes back first (untimed), so crops do not pile up into zeros.
    let clean = Array(UnsafeBufferPointer(start: features.floats, count: features.count))
    var indices = Array(0..<batchSize)
    let restore = {
      clean.withUnsafeBufferPointer {
        features.floats.update(from: $0.baseAddress!, count: $0.count)
      }
    }
    return (
      plan, batchSize,
      { step, timed in
        restore()
        for i in indices.indices { indices[i] = step * batchSize + i }
        let start = DispatchTime.now().uptimeNanoseconds
        augmenter.apply(to: features.floats, indices: indices[...], epoch: 1)
        timed += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      }
    )
  }

  /// The plan of an imported ONNX model (inference only: dlg does not train imported models),
  /// its inputs filled with values in [0, 1).
  private func onnxPlan(_ file: String) throws -> (Executable, Int, ((Int, inout Double) -> Void)?)
  {
    guard inference else {
      Terminal.failure(
        "\(file): ONNX models are timed with --inference (dlg runs them, it does not train them)")
      throw ExitCode.failure
    }
    if weights != nil {
      Terminal.failure("\(file): an .onnx model holds its weights; --weights is for .dlg models")
      throw ExitCode.failure
    }
    let model = try ONNXLoading.load(file)
    let batched = model.imported.inputs.contains { model.imported.graph[$0.value].type.isBatched }
    let batchSize = batched ? (batch ?? 1) : 1
    let plan = model.runner.plan(batchSize: batchSize)
    var generator = SeededGenerator(seed: 1)
    for input in model.runner.inputs {
      guard let buffer = plan.buffer(input) else { continue }
      for i in 0..<buffer.count {
        if buffer.dtype == .int32 {
          buffer.ints[i] = 0
        } else {
          buffer.floats[i] = Float.random(in: 0..<1, using: &generator)
        }
      }
    }
    return (plan, batchSize, nil)
  }

  /// Measures the machine's peaks, keeps them, and prints them: as JSON with --json and no
  /// model, not at all with --json and a model (its JSON has them, under `roofline`).
  private func measureMachine() throws -> MachinePeak {
    let machine = MachinePeak.measure()
    do {
      try machine.save()
    } catch {
      Terminal.failure("could not keep the calibration in \(MachinePeak.savedPath): \(error)")
      throw ExitCode.failure
    }
    if json {
      guard file == nil else { return machine }
      let data = try JSONSerialization.data(
        withJSONObject: Self.machineJSON(machine), options: [.sortedKeys])
      print(String(decoding: data, as: UTF8.self))
    } else {
      print(
        "machine (\(machine.cpu), \(machine.threads) threads): \(Self.peaks(machine)); "
          + String(
            format: "OpenBLAS sgemm 1536³ %.1f GFLOP/s (%.0f%% of the FMA peak)",
            machine.sgemmFlopsPerSecond / 1e9,
            machine.sgemmFlopsPerSecond / machine.flopsPerSecond * 100))
      print("kept in \(MachinePeak.savedPath)")
    }
    return machine
  }

  /// "412.0 GFLOP/s (AVX-512 FMA), reads 380 GB/s (512 KiB), 150 GB/s (8 MiB), 40 GB/s
  /// (512 MiB)".
  static func peaks(_ machine: MachinePeak) -> String {
    let vectors =
      switch machine.vectorLanes {
      case 16: "AVX-512 FMA"
      case 8: "AVX2 FMA"
      default: "scalar"
      }
    let reads = machine.bandwidths.map { bandwidth in
      let size = bandwidth.workingSetBytes
      let label = size >= 1 << 20 ? "\(size >> 20) MiB" : "\(size >> 10) KiB"
      return String(format: "%.0f GB/s (%@)", bandwidth.bytesPerSecond / 1e9, label)
    }
    return String(format: "%.1f GFLOP/s (%@), reads ", machine.flopsPerSecond / 1e9, vectors)
      + reads.joined(separator: ", ")
  }

  static func machineJSON(_ machine: MachinePeak) -> [String: Any] {
    [
      "cpu": machine.cpu, "threads": machine.threads, "vector_lanes": machine.vectorLanes,
      "flops_per_second": machine.flopsPerSecond,
      "sgemm_flops_per_second": machine.sgemmFlopsPerSecond, "measured": machine.measured,
      "bandwidths": machine.bandwidths.map {
        ["working_set_bytes": $0.workingSetBytes, "bytes_per_second": $0.bytesPerSecond]
      },
    ]
  }

  /// One op measured alone against a bare sgemm of its products.
  struct KernelRow {
    var name: String
    var op: String
    var products: [String]
    var opSeconds: Double
    var sgemmSeconds: Double
    /// Bare sgemm time over the op's time: 1 means the op costs no more than its products.
    var efficiency: Double { sgemmSeconds / max(opSeconds, 1e-12) }
  }

  /// Times every node that multiplies matrices, alone, and a bare OpenBLAS sgemm (on as many
  /// OpenBLAS threads as dlg has) of the same shapes.
  private func compareWithSgemm(_ plan: Executable, inference: Bool) -> [KernelRow] {
    let info = RuntimeContext(step: 1_000, training: !inference)
    return plan.graph.nodes.indices.compactMap { index -> KernelRow? in
      let products = plan.matrixProducts(ofNode: index)
      guard !products.isEmpty else { return nil }
      let opSeconds = plan.timeNode(index, info)
      let sgemm = products.reduce(0) {
        $0 + SgemmReference.seconds($1, threads: ThreadBudget.threads)
      }
      let node = plan.graph.nodes[index]
      return KernelRow(
        name: node.name, op: node.op.name, products: products.map(\.description),
        opSeconds: opSeconds, sgemmSeconds: sgemm)
    }
  }

  private func printKernels(_ rows: [KernelRow]) {
    print(
      "kernels alone against a bare OpenBLAS sgemm of the same shape "
        + "(\(ThreadBudget.threads) OpenBLAS threads):")
    print("  op ms  sgemm ms  efficiency  node, product")
    for row in rows {
      print(
        String(
          format: "  %6.3f  %7.3f  %9.0f%%  %@ (%@), %@", row.opSeconds * 1000,
          row.sgemmSeconds * 1000, row.efficiency * 100, row.name, row.op,
          row.products.joined(separator: " + ")))
    }
    let op = rows.reduce(0) { $0 + $1.opSeconds }
    let sgemm = rows.reduce(0) { $0 + $1.sgemmSeconds }
    print(String(format: "  all: %.0f%% of bare sgemm speed", sgemm / max(op, 1e-12) * 100))
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
