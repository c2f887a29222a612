import ArgumentParser
import DLG
import Foundation

/// Reads, parses and lowers a model file, printing every diagnostic with its source line.
/// Throws `ExitCode.failure` after printing when the model has errors.
enum ModelLoading {
  /// With `stage`, the model as that train stage trains it (its loss, its `stage:` layers).
  static func load(_ path: String, stage: String? = nil) throws -> Model {
    let (loaded, renderer) = try loadModule(path)
    if let stage, !ModelLowering.stages(of: loaded.file).contains(stage) {
      let stages = ModelLowering.stages(of: loaded.file)
      Terminal.failure(
        "--stage \(stage): "
          + (stages.isEmpty
            ? "\(path) has no train stages"
            : "\(path) has the stages \(stages.joined(separator: ", "))"))
      throw ExitCode.failure
    }
    let (model, diagnostics) = ModelLowering.lower(loaded.file, stage: stage)
    report(loaded.diagnostics + diagnostics, renderer)
    guard let model else {
      if loaded.file.network == nil, !loaded.file.blocks.isEmpty, diagnostics.isEmpty {
        Terminal.failure("\(path) declares blocks but no `neuralnet`: import it from a model")
      }
      throw ExitCode.failure
    }
    return model
  }

  /// Reads a file and its imports, printing and failing on syntax errors.
  static func loadModule(_ path: String) throws -> (ModuleLoader.Loaded, DiagnosticRenderer) {
    let source = try readSource(path)
    let loader = ModuleLoader(libraryPaths: ModuleLoader.defaultLibraryPaths(for: path))
    let loaded = loader.load(source)
    let renderer = DiagnosticRenderer(
      sources: loaded.sources, color: Terminal.standardErrorIsTerminal)
    if loaded.diagnostics.contains(where: { $0.severity == .error }) {
      report(loaded.diagnostics, renderer)
      throw ExitCode.failure
    }
    return (loaded, renderer)
  }

  static func readSource(_ path: String) throws -> SourceFile {
    guard let data = FileManager.default.contents(atPath: path) else {
      var isDirectory: ObjCBool = false
      let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
      Terminal.failure(
        exists && isDirectory.boolValue
          ? "\(path) is a folder; give a .dlg file" : "cannot read \(path): no such file")
      throw ExitCode.failure
    }
    return SourceFile(path: path, text: String(decoding: data, as: UTF8.self))
  }

  /// Diagnostics printed before the rest are summarised: a binary file handed to `dlg` should
  /// not scroll a thousand errors past.
  static let printedLimit = 20

  static func report(_ diagnostics: [Diagnostic], _ renderer: DiagnosticRenderer) {
    for diagnostic in diagnostics.prefix(printedLimit) {
      Terminal.error(renderer.render(diagnostic) + "\n")
    }
    let errors = diagnostics.filter { $0.severity == .error }.count
    if diagnostics.count > printedLimit {
      Terminal.errorLine(
        "\(errors) errors (\(diagnostics.count - printedLimit) more not shown); "
          + "is this a .dlg file?")
    } else if errors > 1 {
      Terminal.errorLine("\(errors) errors")
    }
  }

  /// Refuses layers that parse and draw but cannot run, at their line.
  static func requireExecutable(_ model: Model) throws {
    let blocked = ModelLowering.nonExecutableDiagnostics(model)
    guard !blocked.isEmpty else { return }
    let renderer = DiagnosticRenderer(
      sources: [model.file.source], color: Terminal.standardErrorIsTerminal)
    report(blocked, renderer)
    throw ExitCode.failure
  }
}
