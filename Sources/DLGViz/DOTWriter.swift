/// Writes a `Diagram` as a Graphviz DOT document: deterministic (the same diagram gives the
/// same bytes), with every user string escaped.
public enum DOTWriter {
  public static func dot(for diagram: Diagram) -> String {
    var out = "digraph dlg {\n"
    out += "  graph [rankdir=\(diagram.direction.rawValue), nodesep=0.35, ranksep=0.45, "
    out += "fontname=\"\(DiagramStyle.font)\", fontsize=14, bgcolor=\"white\", pad=0.2"
    if let title = diagram.title {
      out += ", label=<<b>\(html(title))</b>>, labelloc=t"
    }
    out += "];\n"
    out +=
      "  node [fontname=\"\(DiagramStyle.font)\", fontsize=12, color=\"\(DiagramStyle.line)\", "
    out += "penwidth=1, margin=\"0.18,0.08\"];\n"
    out +=
      "  edge [fontname=\"\(DiagramStyle.font)\", fontsize=10, color=\"\(DiagramStyle.edge)\", "
    out += "fontcolor=\"\(DiagramStyle.subtitle)\", arrowsize=0.7];\n"
    let clustered = Set(diagram.clusters.flatMap(\.members))
    for cluster in diagram.clusters where cluster.parent == nil {
      out += clusterBlock(cluster, in: diagram, indent: "  ")
    }
    for node in diagram.nodes where !clustered.contains(node.id) {
      out += "  " + nodeLine(node) + "\n"
    }
    for edge in diagram.edges {
      var attributes: [String] = []
      if edge.style == .invisible { attributes.append("style=invis") }
      if let label = edge.label, !label.isEmpty { attributes.append("label=<\(html(label))>") }
      switch edge.style {
      case .solid, .invisible: break
      case .dotted: attributes.append("style=dashed")
      case .thick: attributes.append("penwidth=2.2")
      }
      if edge.head != .normal { attributes.append("arrowhead=\(arrow(edge.head))") }
      if edge.tail != .none {
        attributes.append("dir=both")
        attributes.append("arrowtail=\(arrow(edge.tail))")
      }
      let list = attributes.isEmpty ? "" : " [" + attributes.joined(separator: ", ") + "]"
      out += "  \(quoted(edge.from)) -> \(quoted(edge.to))\(list);\n"
    }
    return out + "}\n"
  }

  /// A cluster with its nodes and, nested inside, its child clusters.
  private static func clusterBlock(_ cluster: Diagram.Cluster, in diagram: Diagram, indent: String)
    -> String
  {
    let index = diagram.clusters.firstIndex { $0.id == cluster.id } ?? 0
    var out = "\(indent)subgraph cluster_\(index) {\n"
    out += "\(indent)  label=<\(html(cluster.title))>; style=\"rounded,dashed\"; "
    out += "color=\"\(DiagramStyle.subtitle)\"; fontsize=12;\n"
    for member in cluster.members {
      if let node = diagram.nodes.first(where: { $0.id == member }) {
        out += "\(indent)  " + nodeLine(node) + "\n"
      }
    }
    for child in diagram.clusters where child.parent == cluster.id {
      out += clusterBlock(child, in: diagram, indent: indent + "  ")
    }
    return out + "\(indent)}\n"
  }

  private static func nodeLine(_ node: Diagram.Node) -> String {
    var label = "<b>\(html(node.title))</b>"
    if let subtitle = node.subtitle, subtitle != node.title {
      label +=
        "<br/><font point-size=\"10\" color=\"\(DiagramStyle.subtitle)\">\(html(subtitle))</font>"
    }
    for detail in node.details {
      label += "<br/><font point-size=\"10\">\(html(detail))</font>"
    }
    let (shape, style) = DiagramStyle.shape(node.shape)
    // A subroutine is drawn with a double border, as Mermaid draws it.
    let border = node.shape == .subroutine ? ", peripheries=2" : ""
    return "\(quoted(node.id)) [label=<\(label)>, shape=\(shape), style=\"\(style)\", "
      + "fillcolor=\"\(DiagramStyle.fill(node.family))\"\(border)];"
  }

  private static func arrow(_ head: Diagram.ArrowHead) -> String {
    switch head {
    case .normal: "normal"
    case .none: "none"
    case .circle: "odot"
    case .cross: "tee"
    }
  }

  /// A DOT quoted identifier.
  static func quoted(_ text: String) -> String {
    var out = "\""
    for character in text {
      switch character {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      default: out.append(character)
      }
    }
    return out + "\""
  }

  /// Text for an HTML-like label: markup characters escaped, newlines as line breaks.
  static func html(_ text: String) -> String {
    var out = ""
    for character in text {
      switch character {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "\n": out += "<br/>"
      default: out.append(character)
      }
    }
    return out
  }
}
