import Testing

@testable import DLGViz

/// Clusters nested in a cycle (Mermaid `subgraph S1` inside `S2` and later the reverse) or
/// thousands deep: each drawn once, without recursion, in time linear in their number.
@Suite struct ClusterNestingTests {
  @Test func aCycleOfSubgraphsIsDrawnOnce() {
    let diagram = Diagram(
      nodes: [Diagram.Node(id: "a", title: "a"), Diagram.Node(id: "b", title: "b")],
      clusters: [
        Diagram.Cluster(id: "S1", title: "S1", members: ["a"], parent: "S2"),
        Diagram.Cluster(id: "S2", title: "S2", members: ["b"], parent: "S1"),
      ])
    let dot = DOTWriter.dot(for: diagram)
    #expect(dot.components(separatedBy: "subgraph cluster_").count == 3)
    #expect(dot.components(separatedBy: "\"a\" [").count == 2, "\(dot)")
    #expect(dot.components(separatedBy: "\"b\" [").count == 2, "\(dot)")
  }

  @Test func deepNestingNeedsNoStack() {
    let depth = 20_000
    let diagram = Diagram(
      clusters: (0..<depth).map {
        Diagram.Cluster(
          id: "c\($0)", title: "c\($0)", members: [], parent: $0 == 0 ? nil : "c\($0 - 1)")
      })
    let dot = DOTWriter.dot(for: diagram)
    #expect(dot.components(separatedBy: "subgraph cluster_").count == depth + 1)
  }
}
