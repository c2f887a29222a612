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
    let mermaid = diagram.palette == .mermaid
    out += "  node [fontname=\"\(DiagramStyle.font)\", fontsize=12, "
    out += "color=\"\(mermaid ? DiagramStyle.mermaidStroke : DiagramStyle.line)\", "
    out += mermaid ? "fontcolor=\"\(DiagramStyle.mermaidText)\", " : ""
    out += "penwidth=1, margin=\"0.18,0.08\"];\n"
    out += "  edge [fontname=\"\(DiagramStyle.font)\", fontsize=10, "
    out += "color=\"\(mermaid ? DiagramStyle.mermaidEdge : DiagramStyle.edge)\", "
    out += "fontcolor=\"\(DiagramStyle.subtitle)\", arrowsize=0.7];\n"
    let clustered = Set(diagram.clusters.flatMap(\.members))
    out += clusterBlocks(in: diagram)
    for node in diagram.nodes where !clustered.contains(node.id) {
      out += "  " + nodeLine(node, diagram.palette) + "\n"
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
      if let paint = edge.paint, edge.style != .invisible {
        if let stroke = paint.stroke { attributes.append("color=\(quoted(stroke))") }
        if let text = paint.text { attributes.append("fontcolor=\(quoted(text))") }
        if let width = paint.strokeWidth { attributes.append("penwidth=\(number(width))") }
        if paint.dashed == true, edge.style != .dotted { attributes.append("style=dashed") }
      }
      let list = attributes.isEmpty ? "" : " [" + attributes.joined(separator: ", ") + "]"
      out += "  \(quoted(edge.from)) -> \(quoted(edge.to))\(list);\n"
    }
    return out + "}\n"
  }

  /// Every cluster with its nodes and, nested inside, its child clusters. Iterative and with
  /// lookup tables, so deep nesting costs neither the stack nor quadratic time; a cluster
  /// nested in itself through others (a cycle of `subgraph`s) is drawn once, at the top.
  private static func clusterBlocks(in diagram: Diagram) -> String {
    var nodes: [String: Diagram.Node] = [:]
    for node in diagram.nodes where nodes[node.id] == nil { nodes[node.id] = node }
    var known = Set<String>()
    var children: [String: [Int]] = [:]
    for cluster in diagram.clusters { known.insert(cluster.id) }
    for (index, cluster) in diagram.clusters.enumerated() {
      if let parent = cluster.parent, known.contains(parent) {
        children[parent, default: []].append(index)
      }
    }
    var visited = Set<Int>()
    var out = ""
    func emit(_ root: Int) {
      // (cluster, depth, whether its block is open and only needs closing)
      var stack: [(index: Int, depth: Int, closing: Bool)] = [(root, 1, false)]
      while let (index, depth, closing) = stack.popLast() {
        let indent = String(repeating: "  ", count: min(depth, 32))
        if closing {
          out += "\(indent)}\n"
          continue
        }
        guard visited.insert(index).inserted else { continue }
        let cluster = diagram.clusters[index]
        out += "\(indent)subgraph cluster_\(index) {\n"
        out += "\(indent)  label=<\(html(cluster.title))>; style=\"rounded,dashed\"; "
        out += "color=\"\(DiagramStyle.subtitle)\"; fontsize=12;\n"
        for member in cluster.members {
          if let node = nodes[member] {
            out += "\(indent)  " + nodeLine(node, diagram.palette) + "\n"
          }
        }
        stack.append((index, depth, true))
        for child in (children[cluster.id] ?? []).reversed() where !visited.contains(child) {
          stack.append((child, depth + 1, false))
        }
      }
    }
    for (index, cluster) in diagram.clusters.enumerated()
    where cluster.parent.map({ !known.contains($0) }) ?? true {
      emit(index)
    }
    for index in diagram.clusters.indices where !visited.contains(index) { emit(index) }
    return out
  }

  private static func nodeLine(_ node: Diagram.Node, _ palette: Diagram.Palette) -> String {
    var label = "<b>\(html(node.title))</b>"
    if let subtitle = node.subtitle, subtitle != node.title {
      label +=
        "<br/><font point-size=\"10\" color=\"\(DiagramStyle.subtitle)\">\(html(subtitle))</font>"
    }
    for detail in node.details {
      label += "<br/><font point-size=\"10\">\(html(detail))</font>"
    }
    var (shape, style) = DiagramStyle.shape(node.shape)
    // A subroutine is drawn with a double border, as Mermaid draws it.
    let border = node.shape == .subroutine ? ", peripheries=2" : ""
    // What the author set (classDef, style) wins over the palette.
    let paint = node.paint ?? Diagram.Paint()
    if paint.dashed == true { style += ",dashed" }
    let fill =
      paint.fill
      ?? (palette == .mermaid ? DiagramStyle.mermaidFill : DiagramStyle.fill(node.family))
    var extra = ""
    if let stroke = paint.stroke { extra += ", color=\(quoted(stroke))" }
    if let text = paint.text { extra += ", fontcolor=\(quoted(text))" }
    if let width = paint.strokeWidth { extra += ", penwidth=\(number(width))" }
    return "\(quoted(node.id)) [label=<\(label)>, shape=\(shape), style=\"\(style)\", "
      + "fillcolor=\(quoted(fill))\(border)\(extra)];"
  }

  /// A DOT numeral (`Double.description` writes `1e-05`, which DOT does not read).
  static func number(_ value: Double) -> String { "\((value * 1000).rounded() / 1000)" }

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
