import Testing

@testable import DLGLang

func flowchart(_ text: String) -> (Flowchart, [Diagnostic]) {
  let (chart, diagnostics) = FlowchartParser.parse(SourceFile(path: "f.mmd", text: text))
  return (chart, diagnostics)
}

@Suite struct FlowchartParserTests {
  @Test func everyNodeShape() {
    let (chart, diagnostics) = flowchart(
      """
      flowchart LR
        a[rect] --> b(round) --> c([stadium]) --> d[[sub]] --> e[(db)] --> f((circle))
        g{rhombus} --> h{{hex}} --> i>flag] --> j[/para/] --> k[\\alt\\] --> l(((double)))
      """)
    #expect(diagnostics.isEmpty, "\(diagnostics)")
    #expect(chart.direction == .leftToRight)
    let shapes = chart.nodes.map(\.shape)
    #expect(
      shapes == [
        .rectangle, .rounded, .stadium, .subroutine, .cylinder, .circle, .rhombus, .hexagon,
        .asymmetric, .parallelogram, .parallelogramAlt, .doubleCircle,
      ])
    #expect(chart.nodes.map(\.label).prefix(3) == ["rect", "round", "stadium"])
    #expect(chart.edges.count == 10)
  }

  @Test func everyEdgeKindAndLabel() {
    let (chart, diagnostics) = flowchart(
      """
      graph TD
        A --> B
        A --- C
        A -.-> D
        A ==> E
        A --o F
        A --x G
        A <--> H
        A ----> I
        A -->|yes| J
        A -- no --> K
        A == big ==> L
        A -. maybe .-> M
      """)
    #expect(diagnostics.isEmpty, "\(diagnostics)")
    let e = chart.edges
    #expect(e.count == 12)
    #expect(e[0].head == .arrow && e[0].style == .solid)
    #expect(e[1].head == .none)
    #expect(e[2].style == .dotted && e[2].head == .arrow)
    #expect(e[3].style == .thick)
    #expect(e[4].head == .circle)
    #expect(e[5].head == .cross)
    #expect(e[6].head == .arrow && e[6].tail == .arrow)
    #expect(e[7].head == .arrow && e[7].to == "I")
    #expect(e[8].label == "yes")
    #expect(e[9].label == "no" && e[9].to == "K")
    #expect(e[10].label == "big" && e[10].style == .thick)
    #expect(e[11].label == "maybe" && e[11].style == .dotted)
  }

  @Test func chainsAmpersandsAndSubgraphs() {
    let (chart, diagnostics) = flowchart(
      """
      flowchart TB
        subgraph outer [外层]
          direction LR
          a --> b
          subgraph inner
            c
          end
        end
        a & b --> c & d; d --> e
      """)
    #expect(diagnostics.isEmpty, "\(diagnostics)")
    #expect(chart.subgraphs.map(\.id) == ["outer", "inner"])
    #expect(chart.subgraphs[0].title == "外层")
    #expect(chart.subgraphs[0].direction == .leftToRight)
    #expect(chart.subgraphs[1].parent == "outer")
    #expect(chart.nodes.first { $0.id == "c" }?.subgraph == "inner")
    #expect(chart.edges.filter { $0.to == "c" || $0.to == "d" }.count == 4)
    #expect(chart.edges.last.map { ($0.from, $0.to) } ?? ("", "") == ("d", "e"))
  }

  @Test func unicodeAndQuotedLabels() {
    let (chart, diagnostics) = flowchart(
      """
      graph LR
        用户["用户 (User)"] -->|"请求 [1]"| 服务器{服务器}
      """)
    #expect(diagnostics.isEmpty, "\(diagnostics)")
    #expect(chart.nodes.map(\.label) == ["用户 (User)", "服务器"])
    #expect(chart.edges[0].label == "请求 [1]")
  }

  @Test func statementsThatCannotBeDrawnWarnWithTheirPlace() {
    let (chart, diagnostics) = flowchart(
      """
      graph TD
        A --> B
        classDef hot fill:#f96
        click A callback
        style B fill:#fff
      """)
    #expect(chart.edges.count == 1)
    #expect(diagnostics.count == 1)
    #expect(diagnostics.allSatisfy { $0.severity == .warning })
    #expect(diagnostics[0].range?.start.line == 4)
    #expect(diagnostics[0].range?.start.column == 3)
    #expect(chart.classes["hot"]?.fill == "#ff9966")
    #expect(chart.nodes[1].style?.fill == "#ffffff")
  }

  @Test func missingTargetIsAnError() {
    let (_, diagnostics) = flowchart("graph TD\n  A -->\n")
    #expect(diagnostics.contains { $0.severity == .error && $0.range?.start.line == 2 })
  }

  @Test func fuzzedFlowchartsNeverCrash() {
    var random = FuzzTests.Mutator(state: 5)
    let seed = Array(
      "flowchart LR\n subgraph s [t]\n a[x] -->|l| b((y)) -.-> c{z}\n end\n a & b --> c\n".utf8)
    for _ in 0..<1500 {
      var bytes = seed
      for _ in 0..<Int.random(in: 1...5, using: &random) {
        let at = Int.random(in: 0...bytes.count, using: &random)
        if Bool.random(using: &random), at < bytes.count {
          bytes.remove(at: at)
        } else {
          bytes.insert(
            contentsOf: Array("[](){}|-.=>&\"\n".utf8).randomElement(using: &random).map { [$0] }!,
            at: at)
        }
      }
      let source = SourceFile(path: "f.mmd", text: String(decoding: bytes, as: UTF8.self))
      let (_, diagnostics) = FlowchartParser.parse(source)
      for d in diagnostics {
        #expect((d.range?.end.offset ?? 0) <= source.bytes.count)
      }
    }
  }

  @Test func markdownBlocksKeepTheirLineNumbers() {
    let document = SourceFile(
      path: "a.md",
      text: "# t\n\n```mermaid\ngraph TD\n  A --> B\n```\ntext\n```mermaid\ngraph LR\n  C\n```\n")
    let blocks = MarkdownBlocks.mermaid(in: document)
    #expect(blocks.count == 2)
    #expect(blocks[0].lineText(4) == "graph TD")
    #expect(blocks[1].lineText(9) == "graph LR")
    #expect(blocks[1].lineText(4).isEmpty)
  }
}
