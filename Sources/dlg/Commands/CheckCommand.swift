import ArgumentParser
import DLG
import Foundation

/// `dlg check FILE...`: diagnostics only.
struct CheckCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Check models for errors (syntax, names, shapes) without reading any data.",
    discussion: """
      Examples:
        dlg check graphs/*.dlg
        dlg check --json model.dlg
      """)

  @ArgumentParser.Argument(help: "The .dlg files to check.")
  var files: [String]

  @Flag(
    help: "Print one JSON object per file (diagnostics with file, line, column) for editors and CI."
  )
  var json = false

  func run() throws {
    var failed = false
    for file in files {
      if json {
        let (object, ok) = jsonReport(file)
        failed = failed || !ok
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
        continue
      }
      do {
        // A library of blocks has no network to lower: its syntax and imports are checked.
        let (loaded, _) = try ModelLoading.loadModule(file)
        if loaded.file.network == nil, !loaded.file.blocks.isEmpty {
          print("\(file): ok, \(loaded.file.blocks.count) blocks")
          continue
        }
        let model = try ModelLoading.load(file)
        print("\(file): ok, \(model.layers.count) layers, \(model.parameterCount) parameters")
      } catch {
        failed = true
      }
    }
    if failed { throw ExitCode.failure }
  }

  /// Every diagnostic of one file as data; nothing is printed to standard error.
  private func jsonReport(_ file: String) -> ([String: Any], Bool) {
    guard let data = FileManager.default.contents(atPath: file) else {
      let diagnostic: [String: Any] = [
        "severity": "error", "code": "E000", "message": "cannot read \(file): no such file",
      ]
      return (["file": file, "ok": false, "diagnostics": [diagnostic]], false)
    }
    let source = SourceFile(path: file, text: String(decoding: data, as: UTF8.self))
    let loaded = ModuleLoader(libraryPaths: ModuleLoader.defaultLibraryPaths(for: file))
      .load(source)
    var diagnostics = loaded.diagnostics
    var model: Model?
    if !diagnostics.contains(where: { $0.severity == .error }), loaded.file.network != nil {
      let lowered = ModelLowering.lower(loaded.file)
      diagnostics += lowered.diagnostics
      model = lowered.model
    }
    let ok = !diagnostics.contains { $0.severity == .error }
    var object: [String: Any] = [
      "file": file, "ok": ok,
      "diagnostics": diagnostics.map { diagnostic -> [String: Any] in
        var entry: [String: Any] = [
          "severity": diagnostic.severity.rawValue, "code": diagnostic.code,
          "message": diagnostic.message, "notes": diagnostic.notes,
        ]
        if let replacement = diagnostic.replacement { entry["replacement"] = replacement }
        if let range = diagnostic.range {
          entry["file"] = range.file
          entry["line"] = range.start.line
          entry["column"] = range.start.column
          entry["end_line"] = range.end.line
          entry["end_column"] = range.end.column
        }
        if let help = diagnostic.help { entry["help"] = help }
        return entry
      },
    ]
    if let model {
      object["layers"] = model.layers.count
      object["parameters"] = model.parameterCount
    }
    return (object, ok)
  }
}
