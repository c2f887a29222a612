import DLGGraph
import DLGLang

/// Lowers a parsed `.dlg` file to a `Model`: the public entry point of this module.
public enum ModelLowering {
  /// Builds the model, or returns every diagnostic found (several independent errors at once).
  /// Shape errors are found here, before any data is read.
  ///
  /// A file with several train stages lowers for one of them (`stage`), with that section's
  /// loss, data and settings, and its `stage:` layers running. Without a stage, it lowers for
  /// use after training: the last section, and no `stage:` layer.
  public static func lower(_ file: ModelFile, stage: String? = nil)
    -> (model: Model?, diagnostics: [Diagnostic])
  {
    let (model, diagnostics) = lowerKeepingErrors(file, stage: stage)
    let errors = diagnostics.filter { $0.severity == .error }
    return (errors.isEmpty ? model : nil, diagnostics)
  }

  /// `lower`, but the model is returned even when it has errors, with whatever the lowering
  /// could build: the layers that were fine keep their shapes and parameter counts. For
  /// editors (hover while a line is wrong); such a model must never be trained or run.
  public static func lowerKeepingErrors(_ file: ModelFile, stage: String? = nil)
    -> (model: Model?, diagnostics: [Diagnostic])
  {
    guard let network = file.network else {
      // A file of blocks only (a library module) is valid to check, not to run.
      if !file.blocks.isEmpty { return (nil, []) }
      return (
        nil,
        [
          Diagnostic(
            code: "E214", "the file has no `neuralnet` section", at: nil,
            help: "start the model with a line `neuralnet` followed by its layers")
        ]
      )
    }
    var lowering = NetworkLowering(file: file)
    lowering.stage = stage
    lowering.evaluateConstants()
    lowering.lower(network)
    let consumed = Set(lowering.layers.flatMap(\.inputs))
    let sinks = lowering.layers.filter { !consumed.contains($0.id) }
    var model = Model(
      file: file, title: network.title, direction: network.direction, graph: lowering.graph,
      layers: lowering.layers,
      input: lowering.layers.first { ["Input", "f32", "i32"].contains($0.type) }?.output,
      labels: nil, outputs: sinks.compactMap(\.output), loss: nil, training: nil)
    model.namedOutputs = lowering.namedOutputs
    model.blockInstances = lowering.blockInstances
    model.parameterTraining = lowering.parameterTraining
    model.stage = stage
    var diagnostics = lowering.diagnostics + stageDiagnostics(file, lowering.stageReferences)
    let section = stage.flatMap { file.trainSection(named: $0) } ?? file.train
    if let train = section {
      var trainLowering = TrainSectionLowering()
      trainLowering.fileTrains = file.trains
      trainLowering.lower(train, into: &model)
      diagnostics += trainLowering.diagnostics
      // The other stages' sections are checked too, on a model of their own, so that
      // `dlg check` reports every stage's mistakes.
      if stage == nil {
        for other in file.trains.dropLast() {
          var copy = model
          copy.training = nil
          var otherLowering = TrainSectionLowering()
          otherLowering.fileTrains = file.trains
          otherLowering.lower(other, into: &copy)
          diagnostics += otherLowering.diagnostics
        }
      }
    }
    return (model, diagnostics.sorted(by: Self.sourceOrder))
  }

  /// The stage names `stage:` options use must be train sections of the file.
  static func stageDiagnostics(
    _ file: ModelFile, _ references: [(name: String, range: SourceRange)]
  )
    -> [Diagnostic]
  {
    let names = file.trains.compactMap(\.name?.name)
    var seen = Set<String>()
    return references.compactMap { reference in
      guard !names.contains(reference.name),
        seen.insert("\(reference.name)@\(reference.range.start.offset)").inserted
      else { return nil }
      return Diagnostic(
        code: "E226", "there is no train stage `\(reference.name)`", at: reference.range,
        help: names.isEmpty
          ? "name the train section: `train \(reference.name)`"
          : "the stages are: " + names.joined(separator: ", "),
        replacement: closestMatch(to: reference.name, among: names))
    }
  }

  /// The names of the file's train stages, in order (empty for a single unnamed section).
  public static func stages(of file: ModelFile) -> [String] {
    file.trains.compactMap(\.name?.name)
  }

  /// Orders diagnostics by position in the file.
  static func sourceOrder(_ a: Diagnostic, _ b: Diagnostic) -> Bool {
    (a.range?.start.offset ?? -1) < (b.range?.start.offset ?? -1)
  }

  /// Layers that parse and draw but cannot run yet, for `dlg run` to refuse at their line.
  public static func nonExecutableLayers(_ model: Model) -> [LayerInfo] {
    model.layers.filter { LayerCatalog.spec(named: $0.type)?.lowering == nil }
  }

  /// E215 at each layer that can be drawn but not run: an error for `dlg run`, a warning in
  /// an editor.
  public static func nonExecutableDiagnostics(
    _ model: Model, severity: Diagnostic.Severity = .error
  ) -> [Diagnostic] {
    nonExecutableLayers(model).map {
      Diagnostic(
        severity, code: "E215", "layer type `\($0.type)` can be drawn but not run yet",
        at: $0.location, help: "`dlg viz` draws this model; to train it, use executable layers")
    }
  }
}
