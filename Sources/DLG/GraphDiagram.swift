import DLGGraph
import DLGViz

/// Draws a graph at the level of ops (rather than layers): what `dlg viz --optimized` and
/// `--training` show. A fused node lists what it fused; parameters appear as details of the
/// nodes that read them, so the picture stays about computation.
public enum GraphDiagram {
  public static func diagram(for graph: Graph, title: String?, direction: Diagram.Direction)
    -> Diagram
  {
    var diagram = Diagram(title: title, direction: direction)
    var drawnInputs = Set<ValueID>()
    for (index, node) in graph.nodes.enumerated() {
      var details: [String] = []
      if !node.op.attributeSummary.isEmpty { details.append(node.op.attributeSummary) }
      for input in node.inputs where graph[input].isPersistent {
        let value = graph[input]
        if case .constant = value.role { continue }
        details.append("\(value.name) \(value.type.shapeDescription)")
      }
      if details.count > 6 { details = Array(details.prefix(5)) + ["… \(details.count - 5) more"] }
      diagram.nodes.append(
        Diagram.Node(
          id: "n\(index)", title: node.op.name, subtitle: node.name, details: details,
          family: family(node.op.family), shape: .rounded))
      for input in node.inputs where !graph[input].isPersistent {
        let source: String
        if let producer = graph[input].producer {
          source = "n\(producer)"
        } else {
          source = "v\(input.index)"
          if drawnInputs.insert(input).inserted {
            diagram.nodes.append(
              Diagram.Node(
                id: source, title: graph[input].name,
                details: [graph[input].type.description], family: .input, shape: .rounded))
          }
        }
        diagram.edges.append(
          Diagram.Edge(from: source, to: "n\(index)", label: graph[input].type.shapeDescription))
      }
    }
    return diagram
  }

  static func family(_ family: OpFamily) -> Diagram.Family {
    switch family {
    case .input: .input
    case .output: .output
    case .loss: .loss
    case .convolution: .convolution
    case .dense: .dense
    case .activation: .activation
    case .normalization: .normalization
    case .pooling: .pooling
    case .reshape: .reshape
    case .merge: .merge
    case .optimizer, .metric, .other: .other
    }
  }
}
