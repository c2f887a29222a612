import ArgumentParser
import DLG

/// `dlg check FILE...`: diagnostics only.
struct CheckCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Check models for errors (syntax, names, shapes) without reading any data.")

  @ArgumentParser.Argument(help: "The .dlg files to check.")
  var files: [String]

  func run() throws {
    var failed = false
    for file in files {
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
}
