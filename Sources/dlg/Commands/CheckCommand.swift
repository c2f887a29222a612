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
        let model = try ModelLoading.load(file)
        print("\(file): ok, \(model.layers.count) layers, \(model.parameterCount) parameters")
      } catch {
        failed = true
      }
    }
    if failed { throw ExitCode.failure }
  }
}
