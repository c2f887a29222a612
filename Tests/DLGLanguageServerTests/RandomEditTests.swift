import DLGLanguageServer
import Foundation
import Testing

/// Every example and standard-library file, edited at random as a person typing (and
/// deleting, and pasting) would, with requests at random places after each edit: the server
/// answers every request, well-formed, and never stops.
@Suite struct RandomEditTests {
  static let files: [String] = ["graphs", "graphs/mermaid", "stdlib"].flatMap { folder in
    let path = LSPClient.repository.appendingPathComponent(folder).path
    let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    return names.filter { $0.hasSuffix(".dlg") }.sorted().map { "\(folder)/\($0)" }
  }

  /// SplitMix64: the same edits on every run.
  struct Generator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
  }

  static let snippets = [
    "[", "]", "(", ")", ":", ",", " ", "\n", "-->", "Dense", "Conv2D[", "relu", "3x3", "\"",
    "%%", "* 3", "é", "数据", "\t", "import ", "block B(x)\n", "end\n", "train\n", "loss ",
    "1/0", "-1", "99999999999999999999",
  ]

  static func edit(_ text: String, _ random: inout Generator) -> String {
    var characters = Array(text)
    let at = characters.isEmpty ? 0 : Int.random(in: 0...characters.count, using: &random)
    switch Int.random(in: 0..<4, using: &random) {
    case 0:
      let end = min(characters.count, at + Int.random(in: 1...20, using: &random))
      characters.removeSubrange(at..<end)
    case 1:
      characters.insert(contentsOf: snippets.randomElement(using: &random)!, at: at)
    case 2:
      let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
      let line = lines.randomElement(using: &random) ?? ""
      characters.insert(contentsOf: line + "\n", at: at)
    default:
      characters.removeSubrange(at...)
    }
    return String(characters)
  }

  static let requests = [
    "textDocument/hover", "textDocument/definition", "textDocument/references",
    "textDocument/completion", "textDocument/documentSymbol", "textDocument/formatting",
    "textDocument/codeAction",
  ]

  @Test(arguments: files)
  func everyEditIsAnswered(_ file: String) throws {
    var random = Generator(state: 0x5EED)
    for byte in file.utf8 { random.state = random.state &* 31 &+ UInt64(byte) }
    let uri = LSPClient.uri(file)
    var text = try String(
      contentsOf: LSPClient.repository.appendingPathComponent(file), encoding: .utf8)
    let client = LSPClient()
    _ = client.request("initialize")
    client.open(uri, text)
    for version in 2..<42 {
      text = Self.edit(text, &random)
      client.change(uri, text, version: version)
      #expect(client.diagnostics(uri) != nil, "no diagnostics after edit \(version)")
      for method in Self.requests {
        let lineCount = text.split(separator: "\n", omittingEmptySubsequences: false).count
        let position: [String: Any] = [
          "line": Int.random(in: -1...lineCount + 1, using: &random),
          "character": Int.random(in: -1...60, using: &random),
        ]
        var params: [String: Any] = ["textDocument": ["uri": uri], "position": position]
        params["range"] = ["start": position, "end": position]
        let response = client.request(method, params)
        #expect(
          response["result"] != nil || response["error"] != nil,
          "\(method) after edit \(version) of \(file): \(response)")
      }
    }
    _ = client.request("shutdown")
    #expect(client.handle(["jsonrpc": "2.0", "method": "exit"]) == .exit(status: 0))
  }
}
