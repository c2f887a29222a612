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
  static let configuration = CommandConfiguration(
    commandName: "dlg",
    abstract: "Parse, optimize, train and draw deep-learning dataflow graphs written in .dlg.",
    subcommands: [
      RunCommand.self, CheckCommand.self, FormatCommand.self, VizCommand.self, DiagramCommand.self,
      CompileCommand.self,
      BenchCommand.self, PlotCommand.self, EvalCommand.self, PredictCommand.self,
      GenerateCommand.self,
    ]
  )
}
