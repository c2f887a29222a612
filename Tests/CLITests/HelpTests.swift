import Foundation
import Testing

/// `dlg --version`, and a help page with examples for every command.
@Suite struct HelpTests {
  static let commands = [
    "run", "check", "fmt", "viz", "diagram", "compile", "bench", "plot", "eval", "predict",
    "generate", "lsp",
  ]

  @Test(arguments: commands)
  func everyCommandHasAnExample(_ command: String) throws {
    let result = try CLIRunner.run(["help", command])
    #expect(result.status == 0)
    #expect(
      result.standardOutput.contains("Examples:\n  dlg \(command)"), "\(result.standardOutput)")
  }

  @Test func versionIsPrinted() throws {
    let result = try CLIRunner.run(["--version"])
    #expect(result.status == 0)
    #expect(result.standardOutput.split(separator: ".").count == 3)
  }
}
