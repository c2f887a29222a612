import Foundation
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// `dlg diagram`, `dlg plot` and the op-level `dlg viz` pictures, end to end.
@Suite struct DiagramAndPlotTests {
  static let article = """
    # 文章

    ```mermaid
    graph TB
      A[用户请求] --> B{鉴权?}
      B -->|是| C[处理]
      B -->|否| D[拒绝]
    ```

    ```mermaid
    flowchart LR
      subgraph s1 [前端]
        web --> app
      end
      web -- HTTPS --> api & cdn
    ```

    ```mermaid
    graph TD
      X --> Y --> Z
      click X callback
    ```

    ```mermaid
    neuralnet
      x: Input[4]
      y: Dense[2]
      x --> y
    ```

    ```mermaid
    graph LR
      P -.-> Q ==> R
    ```
    """

  func countGroups(_ path: String) throws -> (nodes: Int, edges: Int, text: String) {
    let data = try #require(FileManager.default.contents(atPath: path))
    let parser = XMLParser(data: data)
    final class Counter: NSObject, XMLParserDelegate {
      var nodes = 0
      var edges = 0
      func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
        qualifiedName: String?, attributes: [String: String] = [:]
      ) {
        if attributes["class"] == "node" { nodes += 1 }
        if attributes["class"] == "edge" { edges += 1 }
      }
    }
    let counter = Counter()
    parser.delegate = counter
    #expect(parser.parse(), "\(path) is not well-formed XML")
    return (counter.nodes, counter.edges, String(decoding: data, as: UTF8.self))
  }

  @Test func markdownWithFiveBlocksWritesFiveSVGs() throws {
    let folder = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try Self.article.write(toFile: "\(folder)/article.md", atomically: true, encoding: .utf8)
    let result = try CLIRunner.run(["diagram", "\(folder)/article.md", "-o", "\(folder)/out"])
    #expect(result.status == 0, "\(result.standardError)")
    #expect(result.standardError.contains("article.md:21:3: warning"))
    let files = try FileManager.default.contentsOfDirectory(atPath: "\(folder)/out").sorted()
    #expect(files == (1...5).map { "article-\($0).svg" })
    let first = try countGroups("\(folder)/out/article-1.svg")
    #expect(first.nodes == 4 && first.edges == 3)
    #expect(first.text.contains("用户请求"))
    let second = try countGroups("\(folder)/out/article-2.svg")
    #expect(second.nodes == 4 && second.edges == 3)
    #expect(second.text.contains("前端"))
    let model = try countGroups("\(folder)/out/article-4.svg")
    #expect(model.text.contains("Dense"))
  }

  @Test func singleMermaidFileToPNG() throws {
    let folder = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try "graph LR\n  a --> b\n".write(toFile: "\(folder)/d.mmd", atomically: true, encoding: .utf8)
    let result = try CLIRunner.run(["diagram", "\(folder)/d.mmd", "-o", "\(folder)/d.png"])
    #expect(result.status == 0, "\(result.standardError)")
    let png = try #require(FileManager.default.contents(atPath: "\(folder)/d.png"))
    #expect(Array(png.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
  }

  @Test func plotDrawsTheLog() throws {
    let folder = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let log = (1...3).map {
      "{\"epoch\":\($0),\"train_loss\":\(1.0 / Double($0)),\"train_accuracy\":0.\($0 + 5),"
        + "\"test_loss\":0.9,\"test_accuracy\":0.7,\"seconds\":1,\"samples_per_second\":10}"
    }.joined(separator: "\n")
    try log.write(toFile: "\(folder)/log.jsonl", atomically: true, encoding: .utf8)
    let result = try CLIRunner.run(["plot", "\(folder)/log.jsonl", "-o", "\(folder)/c.svg"])
    #expect(result.status == 0, "\(result.standardError)")
    let svg = try String(contentsOfFile: "\(folder)/c.svg", encoding: .utf8)
    #expect(XMLParser(data: Data(svg.utf8)).parse())
    #expect(svg.components(separatedBy: "class=\"series\"").count - 1 == 4)
    try "not json\n".write(toFile: "\(folder)/bad.jsonl", atomically: true, encoding: .utf8)
    let bad = try CLIRunner.run(["plot", "\(folder)/bad.jsonl", "-o", "\(folder)/x.svg"])
    #expect(bad.status == 1)
    #expect(bad.standardError.contains("bad.jsonl:1"))
  }

  @Test func vizOptimizedShowsFusedNodes() throws {
    let folder = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let model = """
      neuralnet
        x: Input[6, 6, 1]
        c: Conv2D[2, 3x3, relu]
        f: Flatten
        o: Dense[3]
        x --> c --> f --> o
      train
        loss softmax_cross_entropy(o, labels)
      """
    try model.write(toFile: "\(folder)/m.dlg", atomically: true, encoding: .utf8)
    let optimized = try CLIRunner.run([
      "viz", "\(folder)/m.dlg", "--optimized", "-o", "\(folder)/o.dot",
    ])
    #expect(optimized.status == 0, "\(optimized.standardError)")
    let dot = try String(contentsOfFile: "\(folder)/o.dot", encoding: .utf8)
    #expect(dot.contains("FusedConv2D"))
    #expect(dot.contains("Conv2D + BiasAdd + ReLU"))
    let training = try CLIRunner.run([
      "viz", "\(folder)/m.dlg", "--training", "--rankdir", "LR", "-o", "\(folder)/t.dot",
    ])
    #expect(training.status == 0)
    let trainingDot = try String(contentsOfFile: "\(folder)/t.dot", encoding: .utf8)
    #expect(trainingDot.contains("Conv2DBackpropFilter"))
    #expect(trainingDot.contains("Assign") || trainingDot.contains("FusedElementwise"))
    #expect(trainingDot.contains("rankdir=LR"))
  }
}

@Suite struct BlockDiagramTests {
  @Test func depthCollapsesBlocks() throws {
    let folder = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let graphs = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("graphs")
    let model = graphs.appendingPathComponent("blocks_cnn.dlg").path
    let full = try CLIRunner.run(["viz", model, "-o", "\(folder)/full.dot"])
    #expect(full.status == 0, "\(full.standardError)")
    let fullDot = try String(contentsOfFile: "\(folder)/full.dot", encoding: .utf8)
    #expect(fullDot.components(separatedBy: "subgraph cluster_").count - 1 == 5)
    #expect(fullDot.contains("ConvBlock more.1"))
    let collapsed = try CLIRunner.run(["viz", model, "--depth", "0", "-o", "\(folder)/c.dot"])
    #expect(collapsed.status == 0)
    let dot = try String(contentsOfFile: "\(folder)/c.dot", encoding: .utf8)
    #expect(!dot.contains("subgraph cluster_"))
    #expect(dot.contains("\"more.1\" -> \"more.2\""))
    #expect(dot.contains("4 layers"))
  }
}

/// The DOT written for a few models and a flowchart, compared with reviewed golden files in
/// Tests/CLITests/Golden. After an intended change of style, regenerate them with the commands
/// in each test and review the difference.
@Suite struct GoldenDOTTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  static let golden = root.appendingPathComponent("Tests/CLITests/Golden").path

  @Test(arguments: [
    (["viz", "graphs/fashion_mnist.dlg"], "fashion_mnist.dot"),
    (["viz", "graphs/blocks_cnn.dlg", "--depth", "0"], "blocks_cnn_depth0.dot"),
    (["diagram", "Tests/CLITests/Golden/service.mmd"], "service.dot"),
  ])
  func matchesGolden(arguments: [String], golden: String) throws {
    let folder = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let result = try CLIRunner.run(
      arguments + ["-o", "\(folder)/out.dot"], in: Self.root.path)
    #expect(result.status == 0, "\(result.standardError)")
    let produced = try String(contentsOfFile: "\(folder)/out.dot", encoding: .utf8)
    let expected = try String(contentsOfFile: "\(Self.golden)/\(golden)", encoding: .utf8)
    #expect(produced == expected)
  }
}

/// Mermaid styling reaches the SVG Graphviz draws.
@Suite struct MermaidStylingTests {
  @Test func classDefStyleAndLinkStyleColourTheSVG() throws {
    let folder = NSTemporaryDirectory() + "dlg-styles-\(getpid())"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try """
    flowchart LR
      classDef hot fill:#f96,stroke:#333,stroke-width:4px
      A:::hot --> B --> C
      style B fill:#0f0,stroke-dasharray: 4 2
      linkStyle 1 stroke:#00f,stroke-width:3px
    """.write(toFile: "\(folder)/s.mmd", atomically: true, encoding: .utf8)
    let result = try CLIRunner.run(["diagram", "\(folder)/s.mmd", "-o", "\(folder)/s.svg"])
    #expect(result.status == 0, "\(result.standardError)")
    let svg = try String(contentsOfFile: "\(folder)/s.svg", encoding: .utf8)
    #expect(svg.contains(##"fill="#ff9966" stroke="#333333" stroke-width="4""##))
    #expect(svg.contains(##"fill="#00ff00""##))
    #expect(svg.contains("stroke-dasharray"))
    #expect(svg.contains(##"stroke="#0000ff" stroke-width="3""##))

    let themed = try CLIRunner.run([
      "diagram", "\(folder)/s.mmd", "-o", "\(folder)/t.svg", "--theme", "mermaid",
    ])
    #expect(themed.status == 0)
    let mermaid = try String(contentsOfFile: "\(folder)/t.svg", encoding: .utf8)
    #expect(mermaid.contains(##"fill="#ececff""##), "C keeps Mermaid's default fill")
  }
}
