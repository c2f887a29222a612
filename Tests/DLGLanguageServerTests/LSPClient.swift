import DLGLanguageServer
import Foundation
import Testing

/// Drives a `LanguageServer` as an editor would, one JSON-RPC message at a time, and keeps
/// what it sends back.
final class LSPClient {
  private(set) var sent: [[String: Any]] = []
  private var server: LanguageServer!
  private var nextID = 1

  init() {
    server = LanguageServer(version: "test") { [unowned self] message in
      // What the server sends must survive the wire: JSON, and back.
      let data = try! JSONSerialization.data(withJSONObject: message)
      sent.append(try! JSONSerialization.jsonObject(with: data) as! [String: Any])
    }
  }

  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  static func uri(_ relative: String) -> String {
    repository.appendingPathComponent(relative).absoluteString
  }

  @discardableResult
  func notify(_ method: String, _ params: [String: Any]) -> LanguageServer.Outcome {
    handle(["jsonrpc": "2.0", "method": method, "params": params])
  }

  @discardableResult
  func handle(_ message: [String: Any]) -> LanguageServer.Outcome {
    server.handle(Array(try! JSONSerialization.data(withJSONObject: message)))
  }

  /// Sends a request and returns its response (the one message with its id).
  func request(_ method: String, _ params: [String: Any] = [:]) -> [String: Any] {
    let id = nextID
    nextID += 1
    sent = sent.filter { $0["id"] == nil }
    _ = handle(["jsonrpc": "2.0", "id": id, "method": method, "params": params])
    let responses = sent.filter { ($0["id"] as? Int) == id }
    #expect(responses.count == 1, "\(method) got \(responses.count) responses")
    return responses.first ?? [:]
  }

  func open(_ uri: String, _ text: String, version: Int = 1) {
    notify(
      "textDocument/didOpen",
      ["textDocument": ["uri": uri, "languageId": "dlg", "version": version, "text": text]])
  }

  func change(_ uri: String, _ text: String, version: Int) {
    notify(
      "textDocument/didChange",
      ["textDocument": ["uri": uri, "version": version], "contentChanges": [["text": text]]])
  }

  /// The diagnostics most recently published for a document.
  func diagnostics(_ uri: String) -> [[String: Any]]? {
    sent.last {
      ($0["method"] as? String) == "textDocument/publishDiagnostics"
        && (($0["params"] as? [String: Any])?["uri"] as? String) == uri
    }.flatMap { ($0["params"] as? [String: Any])?["diagnostics"] as? [[String: Any]] }
  }

  static func at(_ uri: String, line: Int, character: Int) -> [String: Any] {
    ["textDocument": ["uri": uri], "position": ["line": line, "character": character]]
  }
}
