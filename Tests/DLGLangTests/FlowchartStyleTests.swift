import DLGLang
import Testing

@Suite struct FlowchartStyleTests {
  static func parse(_ text: String) -> (Flowchart, [Diagnostic]) {
    let (chart, diagnostics) = FlowchartParser.parse(SourceFile(path: "f.mmd", text: text))
    return (chart, diagnostics)
  }

  @Test func classesStylesAndLinkStylesReachNodesAndEdges() throws {
    let (chart, diagnostics) = Self.parse(
      """
      flowchart LR
        classDef hot fill:#f96,stroke:#333,stroke-width:4px,color:white
        classDef cold,calm fill:rgb(100, 149, 237),stroke-dasharray: 5 5
        A[Start]:::hot --> B --> C
        class B,C cold
        style C fill:lightgreen
        linkStyle 1 stroke:#ff3,stroke-width:3px
        linkStyle default stroke:gray
      """)
    #expect(diagnostics.isEmpty, "\(diagnostics)")
    let hot = try #require(chart.classes["hot"])
    #expect(hot.fill == "#ff9966" && hot.stroke == "#333333" && hot.color == "white")
    #expect(hot.strokeWidth == 4)
    #expect(chart.classes["calm"]?.fill == "#6495ed" && chart.classes["cold"]?.dashed == true)
    #expect(chart.nodes.map(\.classes) == [["hot"], ["cold"], ["cold"]])
    #expect(chart.nodes[2].style?.fill == "lightgreen")
    #expect(chart.linkStyles[1]?.stroke == "#ffff33" && chart.linkStyles[1]?.strokeWidth == 3)
    #expect(chart.defaultLinkStyle?.stroke == "gray")
  }

  @Test func whatCannotBeDrawnWarnsOnceAndTheRestIsKept() {
    let (chart, diagnostics) = Self.parse(
      """
      graph TD
        classDef a fill:#abc,font-weight:bold,rx:5
        classDef b font-weight:normal,fill:#12
        x:::a --> y:::missing
        style nobody fill:red
        linkStyle 7 stroke:red
        click x callback
      """)
    let messages = diagnostics.map(\.message)
    #expect(messages.filter { $0.contains("`font-weight`") }.count == 1, "\(messages)")
    #expect(messages.contains { $0.contains("`rx`") })
    #expect(messages.contains { $0.contains("`fill:#12`") })
    #expect(messages.contains { $0.contains("no `classDef missing`") })
    #expect(messages.contains { $0.contains("no node `nobody`") })
    #expect(messages.contains { $0.contains("no link 7") })
    #expect(messages.contains { $0.contains("`click`") })
    #expect(diagnostics.allSatisfy { $0.severity == .warning && $0.range != nil })
    #expect(chart.classes["a"]?.fill == "#aabbcc")
    #expect(chart.edges.count == 1)
  }

  @Test(arguments: [
    ("#f96", "#ff9966"), ("#F96A", "#ff9966aa"), ("#ff9966", "#ff9966"),
    ("rgb(255, 0, 0)", "#ff0000"), ("rgba(0,0,255,0.5)", "#0000ff80"),
    ("rgb(100%,0%,0%)", "#ff0000"),
    ("steelblue", "steelblue"),
  ])
  func colorsAreWrittenAsGraphvizReadsThem(_ input: String, _ expected: String) {
    #expect(MermaidStyle.color(input) == expected)
  }

  @Test(arguments: ["#12", "rgb(300,0,0)", "rgb(1,2)", "url(x)", "#ggg", ""])
  func badColorsAreRefused(_ input: String) {
    #expect(MermaidStyle.color(input) == nil)
  }

  @Test func classNamesWithDashesDefaultClassAndInterpolate() {
    let (chart, diagnostics) = Self.parse(
      """
      flowchart LR
        classDef my-class fill:#f00
        classDef default fill:#eee
        A:::my-class --> B
        linkStyle 0 interpolate basis stroke:red
      """)
    #expect(chart.nodes.first?.classes == ["my-class"], "\(diagnostics)")
    #expect(chart.edges.count == 1)
    #expect(chart.linkStyles[0]?.stroke == "red")
    #expect(diagnostics.contains { $0.message.contains("interpolate") })
    #expect(MermaidStyle.color("#ＦＦＦ") == nil)
  }
}
