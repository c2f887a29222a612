import DLG

extension FuzzHarness {
  /// A `.dlg` model through everything `dlg check`, `dlg compile` and `dlg viz --format dot`
  /// run: parsing and imports (the standard library only), lowering and shape inference, the
  /// formatter, the diagram and its DOT text, the training graph, the optimizer and the memory
  /// plan. Nothing is allocated for tensors and Graphviz is not called.
  public static let model = FuzzHarness(
    name: "model", summary: ".dlg parser, imports, lowering, fmt, diagram, autodiff, passes, plan"
  ) { bytes in
    // Imports come from the standard library in memory and nothing else: a run depends on
    // its bytes only.
    let source = SourceFile(
      path: "/nonexistent/fuzz.dlg", text: String(decoding: bytes, as: UTF8.self))
    checkFormatting(source)
    let loaded = ModuleLoader(
      libraryPaths: FuzzResources.standardLibrary, buffers: FuzzResources.standardLibraryTexts,
      readsFiles: false
    ).load(source)
    guard !loaded.diagnostics.contains(where: { $0.severity == .error }) else { return false }
    let (lowered, diagnostics) = ModelLowering.lower(loaded.file)
    guard let model = lowered else {
      require(
        diagnostics.contains { $0.severity == .error } || loaded.file.network == nil,
        "lowering produced no model and no error")
      return false
    }
    let diagram = ModelDiagram.diagram(for: model)
    if diagram.sizeProblem == nil { _ = DOTWriter.dot(for: diagram) }
    guard ModelLowering.nonExecutableLayers(model).isEmpty else { return true }
    compile(model)
    return true
  }

  /// The formatter keeps a valid file valid, and formatting twice changes nothing.
  private static func checkFormatting(_ source: SourceFile) {
    guard let formatted = Formatter.format(source) else { return }
    let again = SourceFile(path: source.path, text: formatted)
    guard let twice = Formatter.format(again) else {
      require(false, "the formatted text does not parse")
      return
    }
    require(twice == formatted, "formatting the formatted text changed it")
  }

  /// The training step and the inference pass, optimized and memory-planned as `dlg compile`
  /// plans them, at a small batch.
  private static func compile(_ model: Model) {
    let batch = min(model.training?.batchSize ?? 2, 4)
    let forwardFetches = model.loss.map { [$0] + model.metrics.all.sorted() } ?? model.outputs
    let forward = DeadCodeElimination.run(model.graph, keeping: forwardFetches)
    plan(forward, fetches: forwardFetches, batch: batch)
    guard let loss = model.loss, let config = model.training,
      let training = try? Autodiff.trainingGraph(
        forward: model.graph, loss: loss, fetches: forwardFetches, optimizer: config.optimizer,
        gradientTransforms: config.gradientTransforms)
    else { return }
    plan(training.graph, fetches: training.fetches, batch: batch)
  }

  private static func plan(_ graph: Graph, fetches: [ValueID], batch: Int) {
    let (context, _) = GraphOptimizer.optimize(
      graph, fetches: fetches, level: .standard, evaluator: KernelConstantEvaluator())
    _ = MemoryBudget.persistentBytes(of: context.graph)
    _ = MemoryBudget.arenaBytes(
      of: context.graph, batch: batch, fetches: context.fetches, strategy: .greedyBySize)
  }
}
