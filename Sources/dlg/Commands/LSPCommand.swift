import ArgumentParser
import DLGFiles
import DLGLanguageServer
import Foundation

/// `dlg lsp`: the language server, speaking LSP over stdin and stdout (docs/editors.md).
struct LSPCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "lsp",
    abstract: "Run the Language Server Protocol server for .dlg files on stdin and stdout.",
    discussion: """
      Editors start it themselves (docs/editors.md has the VS Code and Neovim setups). It \
      publishes the diagnostics of `dlg check` as you type, and answers hover, go to \
      definition, references, completion, formatting, document symbols and quick fixes.

      Examples:
        dlg lsp   (started by the editor; see docs/editors.md)
      """)

  func run() throws {
    let server = LanguageServer(version: DLGCommand.version) { message in
      guard let body = try? JSONSerialization.data(withJSONObject: message) else { return }
      _ = FileOutput.writeAll(1, framed(Array(body)))
    }
    var reader = MessageReader()
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let count = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
      if count < 0, errno == EINTR { continue }
      // The editor closed our stdin without `exit`: it is gone, so stop as after `exit`
      // without `shutdown`.
      guard count > 0 else { throw ExitCode(1) }
      reader.append(chunk[0..<count])
      while let item = reader.next() {
        guard case .message(let body) = item else { continue }
        if case .exit(let status) = server.handle(body) { throw ExitCode(status) }
      }
    }
  }
}
