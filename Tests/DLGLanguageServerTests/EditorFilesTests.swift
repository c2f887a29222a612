import Foundation
import Testing

/// The editor files in `editors/` are valid: VS Code's manifest declares the language and
/// starts the server, and every pattern of the grammar compiles.
@Suite struct EditorFilesTests {
  static let vscode = LSPClient.repository.appendingPathComponent("editors/vscode")

  static func json(_ name: String) throws -> [String: Any] {
    let data = try Data(contentsOf: vscode.appendingPathComponent(name))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  @Test func theManifestDeclaresTheLanguageAndItsServer() throws {
    let manifest = try Self.json("package.json")
    let main = try #require(manifest["main"] as? String)
    let script = try String(contentsOf: Self.vscode.appendingPathComponent(main), encoding: .utf8)
    #expect(script.contains("args: [\"lsp\"]"))
    let contributes = try #require(manifest["contributes"] as? [String: Any])
    let languages = try #require(contributes["languages"] as? [[String: Any]])
    #expect(languages.first?["id"] as? String == "dlg")
    #expect((languages.first?["extensions"] as? [String]) == [".dlg"])
    let grammars = try #require(contributes["grammars"] as? [[String: Any]])
    #expect(grammars.first?["scopeName"] as? String == "source.dlg")
    _ = try Self.json(try #require(languages.first?["configuration"] as? String))
  }

  @Test func everyGrammarPatternCompiles() throws {
    let grammar = try Self.json("syntaxes/dlg.tmLanguage.json")
    var patterns: [String] = []
    func collect(_ value: Any) {
      if let object = value as? [String: Any] {
        for key in ["match", "begin", "end"] {
          if let p = object[key] as? String { patterns.append(p) }
        }
        object.values.forEach(collect)
      } else if let array = value as? [Any] {
        array.forEach(collect)
      }
    }
    collect(grammar)
    #expect(patterns.count >= 8)
    for pattern in patterns {
      #expect(throws: Never.self, "\(pattern)") {
        _ = try NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines])
      }
    }
    let layer = try NSRegularExpression(
      pattern: try #require(
        ((grammar["repository"] as? [String: Any])?["layer"] as? [String: Any])?["match"]
          as? String), options: [.anchorsMatchLines])
    let line = "  conv:  Conv2D[32, 3x3, relu]"
    #expect(layer.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil)
  }
}
