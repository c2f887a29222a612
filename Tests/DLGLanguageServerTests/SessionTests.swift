import DLGLanguageServer
import Foundation
import Testing

/// An editor's session against the server, step by step: open an example, misspell a
/// layer, take the quick fix, hover, complete, jump, format, shut down.
@Suite struct SessionTests {
  static let uri = LSPClient.uri("graphs/fashion_mnist.dlg")
  static let text = try! String(
    contentsOf: LSPClient.repository.appendingPathComponent("graphs/fashion_mnist.dlg"),
    encoding: .utf8)
  static let lines = text.components(separatedBy: "\n")
  static func line(_ prefix: String) -> Int {
    lines.firstIndex { $0.trimmingCharacters(in: .whitespaces).hasPrefix(prefix) }!
  }

  static func result(_ response: [String: Any]) -> Any? { response["result"] }

  @Test func initializeAnnouncesWhatTheServerDoes() throws {
    let client = LSPClient()
    let response = client.request("initialize", ["processId": NSNull(), "capabilities": [:]])
    let result = try #require(response["result"] as? [String: Any])
    let capabilities = try #require(result["capabilities"] as? [String: Any])
    for key in [
      "hoverProvider", "definitionProvider", "referencesProvider", "completionProvider",
      "documentSymbolProvider", "documentFormattingProvider", "codeActionProvider",
    ] {
      #expect(capabilities[key] != nil, "\(key)")
    }
    #expect((result["serverInfo"] as? [String: Any])?["name"] as? String == "dlg")
  }

  @Test func aMisspelledLayerIsReportedAndFixed() throws {
    let client = LSPClient()
    _ = client.request("initialize")
    client.open(Self.uri, Self.text)
    #expect(client.diagnostics(Self.uri)?.isEmpty == true)

    let broken = Self.text.replacingOccurrences(of: "Dense[128, relu]", with: "Dence[128, relu]")
    client.change(Self.uri, broken, version: 2)
    let diagnostics = try #require(client.diagnostics(Self.uri))
    #expect(diagnostics.count == 1)
    let diagnostic = try #require(diagnostics.first)
    #expect(diagnostic["code"] as? String == "E201")
    #expect((diagnostic["message"] as? String)?.contains("did you mean `Dense`?") == true)
    let range = try #require(diagnostic["range"] as? [String: Any])
    let start = try #require(range["start"] as? [String: Any])
    #expect(start["line"] as? Int == Self.line("fc:"))
    let fc = Self.lines[Self.line("fc:")]
    #expect(
      start["character"] as? Int
        == fc.distance(from: fc.startIndex, to: fc.range(of: "Dense")!.lowerBound))

    let actions = try #require(
      client.request(
        "textDocument/codeAction",
        [
          "textDocument": ["uri": Self.uri], "range": range,
          "context": ["diagnostics": diagnostics],
        ]
      )["result"] as? [[String: Any]])
    #expect(actions.count == 1)
    let edit = try #require(actions.first?["edit"] as? [String: Any])
    let changes = try #require(edit["changes"] as? [String: [[String: Any]]])
    #expect(changes[Self.uri]?.first?["newText"] as? String == "Dense")

    // The layers that still lower keep their shapes while another line is wrong.
    let hover = client.request(
      "textDocument/hover", LSPClient.at(Self.uri, line: Self.line("conv:"), character: 3))
    let value = ((hover["result"] as? [String: Any])?["contents"] as? [String: Any])?["value"]
    #expect((value as? String)?.contains("N×26×26×32") == true)

    client.change(Self.uri, Self.text, version: 3)
    #expect(client.diagnostics(Self.uri)?.isEmpty == true)
  }

  @Test func hoverShowsTheLayerShapeAndParameters() throws {
    let client = LSPClient()
    client.open(Self.uri, Self.text)
    let response = client.request(
      "textDocument/hover", LSPClient.at(Self.uri, line: Self.line("conv:"), character: 3))
    let contents = try #require(
      (response["result"] as? [String: Any])?["contents"] as? [String: Any])
    let value = try #require(contents["value"] as? String)
    #expect(value.contains("Conv2D[32, 3x3, relu]"))
    #expect(value.contains("N×26×26×32"))
    #expect(value.contains("320 parameters"))

    let setting = client.request(
      "textDocument/hover", LSPClient.at(Self.uri, line: Self.line("batch"), character: 3))
    let settingText = ((setting["result"] as? [String: Any])?["contents"] as? [String: Any])?[
      "value"]
    #expect((settingText as? String)?.contains("default: 32") == true)
  }

  @Test func definitionAndReferencesOfANode() throws {
    let client = LSPClient()
    client.open(Self.uri, Self.text)
    let edge = Self.line("image -->")
    let column = Self.lines[edge].distance(
      from: Self.lines[edge].startIndex, to: Self.lines[edge].range(of: "flat")!.lowerBound)
    let definition = try #require(
      client.request(
        "textDocument/definition", LSPClient.at(Self.uri, line: edge, character: column + 1))[
          "result"] as? [[String: Any]])
    let target = try #require(
      (definition.first?["range"] as? [String: Any])?["start"] as? [String: Any])
    #expect(target["line"] as? Int == Self.line("flat:"))

    let references = try #require(
      client.request(
        "textDocument/references", LSPClient.at(Self.uri, line: edge, character: column))[
          "result"] as? [[String: Any]])
    #expect(references.count == 2)
  }

  @Test func completionOffersLayersParametersNodesAndSettings() throws {
    let client = LSPClient()
    let text = """
      neuralnet
        image: Input[28, 28, 1]
        conv:  Conv2D[32, padding: 
        flat:  Fl
        image --> 
      train
        optimizer 
        bat
      """
    let uri = LSPClient.uri("graphs/typing.dlg")
    client.open(uri, text)
    func labels(_ line: Int, _ character: Int) throws -> [String] {
      let items = try #require(
        client.request(
          "textDocument/completion", LSPClient.at(uri, line: line, character: character))[
            "result"] as? [[String: Any]])
      return items.compactMap { $0["label"] as? String }
    }
    #expect(try labels(3, 11).contains("Flatten"))
    #expect(try labels(2, 29).contains("same"))
    #expect(try labels(2, 20).contains("stride"))
    #expect(try labels(4, 12).contains("conv"))
    #expect(try labels(6, 12).contains("Adam"))
    #expect(try labels(7, 5).contains("batch"))
  }

  @Test func symbolsAndFormatting() throws {
    let client = LSPClient()
    let messy = "neuralnet\n      x: Input[4]\n   y:Dense[2]\n x-->y\n"
    let uri = LSPClient.uri("graphs/messy.dlg")
    client.open(uri, messy)
    let symbols = try #require(
      client.request("textDocument/documentSymbol", ["textDocument": ["uri": uri]])["result"]
        as? [[String: Any]])
    #expect(symbols.first?["name"] as? String == "neuralnet")
    #expect(
      (symbols.first?["children"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == [
        "x", "y",
      ])
    let edits = try #require(
      client.request("textDocument/formatting", ["textDocument": ["uri": uri], "options": [:]])[
        "result"] as? [[String: Any]])
    #expect(
      edits.first?["newText"] as? String == "neuralnet\n  x: Input[4]\n  y: Dense[2]\n  x --> y\n")
  }

  @Test func badRequestsGetErrorsAndShutdownExits() throws {
    let client = LSPClient()
    #expect(client.request("textDocument/hover", [:])["error"] != nil)
    #expect(client.request("no/such/method")["error"] != nil)
    #expect(
      client.request(
        "textDocument/hover", LSPClient.at("file:///not/open.dlg", line: 0, character: 0))[
          "error"] != nil)
    #expect(client.handle(["jsonrpc": "2.0", "method": "exit"]) == .exit(status: 1))
    _ = client.request("shutdown")
    #expect(client.handle(["jsonrpc": "2.0", "method": "exit"]) == .exit(status: 0))
  }
}

extension SessionTests {
  @Test func aFileImportingAnOpenBufferIsCheckedAgainWhenTheBufferChanges() throws {
    let client = LSPClient()
    let library = LSPClient.uri("graphs/lsp-test-library.dlg")
    let main = LSPClient.uri("graphs/lsp-test-main.dlg")
    client.open(
      library, "block Pair(width)\n  a: Dense[width]\n  b: Dense[width]\n  in --> a --> b\nend\n")
    client.open(
      main, "import \"lsp-test-library.dlg\"\nneuralnet\n  x: Input[4]\n  p: Pair[3]\n  x --> p\n")
    #expect(client.diagnostics(main)?.isEmpty == true, "\(client.diagnostics(main) ?? [])")
    client.change(library, "block Other(width)\n  a: Dense[width]\nend\n", version: 2)
    let diagnostics = try #require(client.diagnostics(main))
    #expect(diagnostics.contains { $0["code"] as? String == "E201" }, "\(diagnostics)")
  }

  @Test func absurdPositionsResponsesAndLateRequestsAreHandled() throws {
    let client = LSPClient()
    client.open(Self.uri, Self.text)
    for line in [Int.max, Int.min, -1] {
      let response = client.request(
        "textDocument/completion", LSPClient.at(Self.uri, line: line, character: Int.max))
      #expect(response["result"] != nil)
    }
    // A response from the client is not answered.
    let before = client.sent.count
    client.handle(["jsonrpc": "2.0", "id": 99, "result": NSNull()])
    #expect(client.sent.count == before)
    _ = client.request("shutdown")
    #expect(
      client.request("textDocument/hover", LSPClient.at(Self.uri, line: 0, character: 0))["error"]
        != nil)
  }
}
