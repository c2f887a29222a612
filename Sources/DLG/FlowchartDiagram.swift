import DLGLang
import DLGViz

/// Turns a Mermaid flowchart into a picture.
public enum FlowchartDiagram {
  public static func diagram(for chart: Flowchart) -> Diagram {
    var diagram = Diagram(direction: direction(chart.direction))
    for node in chart.nodes {
      var box = Diagram.Node(
        id: node.id, title: node.label, family: .plain, shape: shape(node.shape))
      // Mermaid's order: the node's classes in turn (`default` for a node with none), then
      // its own `style`.
      var style = node.classes.isEmpty ? chart.classes["default"] ?? Flowchart.Style() : .init()
      for name in node.classes { style = style.overlaid(with: chart.classes[name]) }
      box.paint = paint(style.overlaid(with: node.style))
      diagram.nodes.append(box)
    }
    for (index, edge) in chart.edges.enumerated() {
      var line = Diagram.Edge(
        from: edge.from, to: edge.to, label: edge.label, style: style(edge.style),
        head: end(edge.head), tail: end(edge.tail))
      line.paint = paint(
        (chart.defaultLinkStyle ?? Flowchart.Style()).overlaid(with: chart.linkStyles[index]))
      diagram.edges.append(line)
    }
    for subgraph in chart.subgraphs {
      diagram.clusters.append(
        Diagram.Cluster(
          id: subgraph.id, title: subgraph.title,
          members: chart.nodes.filter { $0.subgraph == subgraph.id }.map(\.id),
          parent: subgraph.parent))
    }
    return diagram
  }

  /// Nil when nothing is set, so unstyled diagrams are written exactly as before.
  private static func paint(_ style: Flowchart.Style) -> Diagram.Paint? {
    guard style != Flowchart.Style() else { return nil }
    return Diagram.Paint(
      fill: style.fill, stroke: style.stroke, text: style.color, strokeWidth: style.strokeWidth,
      dashed: style.dashed)
  }

  private static func direction(_ d: Flowchart.Direction) -> Diagram.Direction {
    switch d {
    case .topToBottom: .topToBottom
    case .bottomToTop: .bottomToTop
    case .leftToRight: .leftToRight
    case .rightToLeft: .rightToLeft
    }
  }

  private static func shape(_ s: Flowchart.Shape) -> Diagram.Shape {
    switch s {
    case .rectangle: .box
    case .rounded: .rounded
    case .stadium: .stadium
    case .subroutine: .subroutine
    case .cylinder: .cylinder
    case .circle: .circle
    case .doubleCircle: .doubleCircle
    case .asymmetric: .asymmetric
    case .rhombus: .diamond
    case .hexagon: .hexagon
    case .parallelogram, .parallelogramAlt: .parallelogram
    case .trapezoid, .trapezoidAlt: .trapezoid
    }
  }

  private static func style(_ s: Flowchart.LineStyle) -> Diagram.LineStyle {
    switch s {
    case .solid: .solid
    case .dotted: .dotted
    case .thick: .thick
    case .invisible: .invisible
    }
  }

  private static func end(_ e: Flowchart.End) -> Diagram.ArrowHead {
    switch e {
    case .none: .none
    case .arrow: .normal
    case .circle: .circle
    case .cross: .cross
    }
  }
}
