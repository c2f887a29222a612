import ArgumentParser
import DLG
import Foundation

/// `dlg fmt FILE...`: rewrite files in the canonical layout, or with `--check` only report
/// which would change.
struct FormatCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fmt",
    abstract: "Format .dlg files in the canonical layout (folders: every .dlg file inside).",
    discussion: """
      Examples:
        dlg fmt model.dlg
        dlg fmt --check graphs stdlib
      """)

  @ArgumentParser.Argument(help: "Files or folders.")
  var paths: [String]

  @Flag(help: "Change nothing; exit 1 if any file is not formatted.")
  var check = false

  func run() throws {
    var failed = false
    for file in try files() {
      let source = try ModelLoading.readSource(file)
      guard let formatted = Formatter.format(source) else {
        let renderer = DiagnosticRenderer(
          sources: [source], color: Terminal.standardErrorIsTerminal)
        ModelLoading.report(Parser.parse(source).diagnostics, renderer)
        Terminal.failure("\(file) has syntax errors; fix them before formatting")
        failed = true
        continue
      }
      guard formatted != source.text else { continue }
      if check {
        Terminal.errorLine("\(file) is not formatted (run `dlg fmt \(file)`)")
        failed = true
      } else if (try? FileOutput.write(Array(formatted.utf8), to: file)) != nil {
        Terminal.errorLine("formatted \(file)")
      } else {
        Terminal.failure("cannot write \(file)")
        failed = true
      }
    }
    if failed { throw ExitCode.failure }
  }

  /// The files named, with folders expanded to the .dlg files inside, sorted.
  private func files() throws -> [String] {
    var result: [String] = []
    for path in paths {
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        Terminal.failure("cannot read \(path): no such file or folder")
        throw ExitCode.failure
      }
      if isDirectory.boolValue {
        let inside =
          FileManager.default.enumerator(atPath: path)?.compactMap { $0 as? String } ?? []
        result += inside.filter { $0.hasSuffix(".dlg") }.sorted().map { "\(path)/\($0)" }
      } else {
        result.append(path)
      }
    }
    return result
  }
}
