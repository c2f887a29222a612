import ArgumentParser

@main
enum Entry {
  static func main() {
    BLASCoreSelection.reexecuteWithBetterCoreIfNeeded()
    Terminal.guardStandardOutput()
    DLGCommand.main()
  }
}

struct DLGCommand: ParsableCommand {
  /// The release, printed by `dlg --version` and reported to editors by `dlg lsp`.
  static let version = "0.5.0"

  static let configuration = CommandConfiguration(
    commandName: "dlg",
    abstract: "Parse, optimize, train and draw deep-learning dataflow graphs written in .dlg.",
    version: version,
    subcommands: [
      RunCommand.self, CheckCommand.self, FormatCommand.self, VizCommand.self, DiagramCommand.self,
      CompileCommand.self,
      BenchCommand.self, PlotCommand.self, EvalCommand.self, PredictCommand.self,
      GenerateCommand.self, LSPCommand.self, ExportCommand.self, ImportCommand.self,
      ConformanceCommand.self, ServeCommand.self, QuantizeCommand.self, AllReduceCommand.self,
    ]
  )
}
