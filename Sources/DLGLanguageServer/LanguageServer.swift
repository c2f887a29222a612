import DLGLang
import Foundation

/// `dlg lsp`: a Language Server Protocol server for `.dlg` files. It takes one JSON-RPC
/// message at a time and sends its answers (and diagnostics) through `send`; the transport
/// (stdio framing) is the caller's. Every request gets an answer, malformed ones an error:
/// nothing a client sends makes it trap or stop answering.
public final class LanguageServer {
  private let send: ([String: Any]) -> Void
  private var documents: [String: Document] = [:]
  private var texts: [String: (text: String, version: Int)] = [:]
  private var shutdownRequested = false
  /// The version `initialize` reports.
  private let version: String

  public init(version: String, send: @escaping ([String: Any]) -> Void) {
    self.version = version
    self.send = send
  }

  /// What handling a message asks of the caller.
  public enum Outcome: Equatable {
    case continueServing
    /// `exit` arrived: stop, with status 0 after a `shutdown` request and 1 otherwise.
    case exit(status: Int32)
  }

  /// Handles one message body (the JSON of a request or notification).
  public func handle(_ body: [UInt8]) -> Outcome {
    guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
    else {
      reply(id: NSNull(), error: (-32700, "the message is not a JSON object"))
      return .continueServing
    }
    let id = object["id"]
    guard let method = object["method"] as? String else {
      // A response (to a request of ours: we send none) is ignored; anything else with an
      // id is not JSON-RPC.
      let isResponse = object["result"] != nil || object["error"] != nil
      if let id, !isResponse { reply(id: id, error: (-32600, "a request needs a `method`")) }
      return .continueServing
    }
    let params = object["params"] as? [String: Any] ?? [:]
    if method == "exit" { return .exit(status: shutdownRequested ? 0 : 1) }
    guard let id else {
      notification(method, params)
      return .continueServing
    }
    switch request(method, params) {
    case .result(let result): send(["jsonrpc": "2.0", "id": id, "result": result])
    case .error(let code, let message): reply(id: id, error: (code, message))
    }
    return .continueServing
  }

  enum Answer {
    case result(Any)
    case error(Int, String)
  }

  private func request(_ method: String, _ params: [String: Any]) -> Answer {
    guard !shutdownRequested else {
      return .error(-32600, "the server is shutting down: only `exit` is accepted")
    }
    switch method {
    case "initialize": return .result(capabilities)
    case "shutdown":
      shutdownRequested = true
      return .result(NSNull())
    default: break
    }
    guard let handler = Self.documentRequests[method] else {
      return .error(-32601, "dlg lsp does not handle `\(method)`")
    }
    guard let uri = (params["textDocument"] as? [String: Any])?["uri"] as? String else {
      return .error(-32602, "`\(method)` needs `textDocument.uri`")
    }
    guard let document = document(uri) else {
      return .error(-32602, "\(uri) is not open")
    }
    return .result(handler(document, params))
  }

  /// Requests about one open document, by method.
  private static let documentRequests: [String: @Sendable (Document, [String: Any]) -> Any] = [
    "textDocument/hover": { document, params in
      Position(json: params["position"]).flatMap { document.hover(at: $0) } ?? NSNull()
    },
    "textDocument/definition": { document, params in
      Position(json: params["position"]).map { document.definition(at: $0) } ?? []
    },
    "textDocument/references": { document, params in
      Position(json: params["position"]).map { document.references(at: $0) } ?? []
    },
    "textDocument/completion": { document, params in
      Position(json: params["position"]).map { document.completions(at: $0) } ?? []
    },
    "textDocument/documentSymbol": { document, _ in document.symbols },
    "textDocument/formatting": { document, _ in document.formattingEdits },
    "textDocument/codeAction": { document, params in document.codeActions(params) },
  ]

  private var capabilities: [String: Any] {
    [
      "capabilities": [
        // Whole texts on every change: a model file is small, and a full text can never
        // drift out of step with the editor's.
        "textDocumentSync": ["openClose": true, "change": 1, "save": false],
        "hoverProvider": true,
        "definitionProvider": true,
        "referencesProvider": true,
        "completionProvider": ["triggerCharacters": ["[", " ", ":", ">", ","]],
        "documentSymbolProvider": true,
        "documentFormattingProvider": true,
        "codeActionProvider": ["codeActionKinds": ["quickfix"]],
      ] as [String: Any],
      "serverInfo": ["name": "dlg", "version": version],
    ]
  }

  private func notification(_ method: String, _ params: [String: Any]) {
    let document = params["textDocument"] as? [String: Any]
    guard let uri = document?["uri"] as? String else { return }
    switch method {
    case "textDocument/didOpen":
      guard let text = document?["text"] as? String else { return }
      texts[uri] = (text, document?["version"] as? Int ?? 0)
      changed(uri)
    case "textDocument/didChange":
      // Full synchronization: the last change holds the whole text.
      guard let changes = params["contentChanges"] as? [[String: Any]],
        let text = changes.last?["text"] as? String
      else { return }
      texts[uri] = (text, document?["version"] as? Int ?? (texts[uri]?.version ?? 0) &+ 1)
      changed(uri)
    case "textDocument/didClose":
      texts[uri] = nil
      documents[uri] = nil
      publish(uri: uri, version: nil, [])
    default: break
    }
  }

  /// A document's text changed: its diagnostics are published, and again those of every
  /// open document that imports anything (it may import this one, directly or through
  /// another, or have failed to find it before it was opened).
  private func changed(_ uri: String) {
    let previous = documents
    documents = [:]
    for open in texts.keys.sorted() {
      let imports = previous[open].map { !$0.file.imports.isEmpty } ?? true
      guard open == uri || imports, let document = document(open) else { continue }
      publish(uri: open, version: document.version, document.publishedDiagnostics)
    }
  }

  /// The analysed document, made on first use after a change.
  private func document(_ uri: String) -> Document? {
    if let document = documents[uri] { return document }
    guard let (text, version) = texts[uri] else { return nil }
    var buffers: [String: String] = [:]
    for (other, entry) in texts where other != uri {
      buffers[Document.path(of: other)] = entry.text
    }
    let document = Document(uri: uri, version: version, text: text, buffers: buffers)
    documents[uri] = document
    return document
  }

  private func publish(uri: String, version: Int?, _ diagnostics: [[String: Any]]) {
    var params: [String: Any] = ["uri": uri, "diagnostics": diagnostics]
    if let version { params["version"] = version }
    send(["jsonrpc": "2.0", "method": "textDocument/publishDiagnostics", "params": params])
  }

  private func reply(id: Any, error: (code: Int, message: String)) {
    send(["jsonrpc": "2.0", "id": id, "error": ["code": error.code, "message": error.message]])
  }
}
