import Foundation
import Testing

@testable import DLGViz

#if canImport(FoundationXML)
  import FoundationXML
#endif

let small = Diagram(
  title: "Tiny", direction: .leftToRight,
  nodes: [
    Diagram.Node(id: "x", title: "Input", subtitle: "x", details: ["N×4"], family: .input),
    Diagram.Node(
      id: "fc", title: "Dense", subtitle: "fc", details: ["3", "15 params"], family: .dense),
    Diagram.Node(id: "loss", title: "loss", family: .loss, shape: .rounded),
  ],
  edges: [
    Diagram.Edge(from: "x", to: "fc", label: "N×4"),
    Diagram.Edge(from: "fc", to: "loss", label: "N×3", style: .dotted),
  ])

/// Counts SVG groups of a class, by parsing the document as XML.
final class GroupCounter: NSObject, XMLParserDelegate {
  var counts: [String: Int] = [:]
  var text = ""
  func parser(
    _ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
    qualifiedName: String?, attributes: [String: String] = [:]
  ) {
    if name == "g", let c = attributes["class"] { counts[c, default: 0] += 1 }
  }
  func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
}

@Suite(.serialized) struct VizTests {
  @Test func dotIsDeterministicAndComplete() {
    let dot = DOTWriter.dot(for: small)
    #expect(dot == DOTWriter.dot(for: small))
    #expect(dot.hasPrefix("digraph dlg {"))
    #expect(dot.contains("rankdir=LR"))
    #expect(dot.contains("\"x\" -> \"fc\" [label=<N×4>];"))
    #expect(dot.contains("\"fc\" -> \"loss\" [label=<N×3>, style=dashed];"))
    #expect(dot.contains("fillcolor=\"#dcfce7\""))
  }

  @Test func labelsAreEscaped() {
    let diagram = Diagram(nodes: [
      Diagram.Node(id: "a\"b", title: "<b>&\"", details: ["x\ny"])
    ])
    let dot = DOTWriter.dot(for: diagram)
    #expect(dot.contains("\"a\\\"b\""))
    #expect(dot.contains("&lt;b&gt;&amp;&quot;"))
    #expect(dot.contains("x<br/>y"))
    #expect(throws: Never.self) { _ = try GraphvizRenderer.render(dot: dot, format: .svg) }
  }

  @Test func svgParsesWithEveryNodeAndEdge() throws {
    let svg = try GraphvizRenderer.render(dot: DOTWriter.dot(for: small), format: .svg)
    let parser = XMLParser(data: Data(svg))
    let counter = GroupCounter()
    parser.delegate = counter
    #expect(parser.parse())
    #expect(counter.counts["node"] == 3)
    #expect(counter.counts["edge"] == 2)
    #expect(counter.text.contains("N×4"))
  }

  @Test func chineseLabelsSurvive() throws {
    let diagram = Diagram(nodes: [Diagram.Node(id: "a", title: "卷积层", details: ["输入图像"])])
    let svg = String(
      decoding: try GraphvizRenderer.render(dot: DOTWriter.dot(for: diagram), format: .svg),
      as: UTF8.self)
    #expect(svg.contains("卷积层"))
    #expect(svg.contains("输入图像"))
  }

  @Test func pngAndPDFHaveTheirSignatures() throws {
    let dot = DOTWriter.dot(for: small)
    let png = try GraphvizRenderer.render(dot: dot, format: .png)
    #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    let pdf = try GraphvizRenderer.render(dot: dot, format: .pdf)
    #expect(String(decoding: pdf.prefix(4), as: UTF8.self) == "%PDF")
  }

  @Test func invalidDOTIsAnErrorNotACrash() {
    #expect(throws: RenderError.self) {
      _ = try GraphvizRenderer.render(dot: "digraph { a -> ", format: .svg)
    }
  }

  @Test func formatsFromExtensions() {
    #expect(OutputFormat(path: "a/b.SVG") == .svg)
    #expect(OutputFormat(path: "m.png") == .png)
    #expect(OutputFormat(path: "m.pdf") == .pdf)
    #expect(OutputFormat(path: "m.dot") == .dot)
    #expect(OutputFormat(path: "m.bmp") == nil)
    #expect(OutputFormat(path: "dir.v2/file") == nil)
  }
}
