import DLGGraph
import DLGLowering
import DLGViz

/// Turns a lowered model into a picture: one box per layer with its op, arguments and
/// parameter count; the tensor shape each layer produces on its outgoing edges.
public enum ModelDiagram {
  /// `depth` collapses blocks nested deeper than it into one box per block instance (0 draws
  /// every top-level block as a single box; nil draws every layer, blocks as clusters).
  public static func diagram(for model: Model, depth: Int? = nil) -> Diagram {
    var diagram = Diagram(
      title: model.title, direction: direction(model.direction), nodes: [], edges: [],
      clusters: [])
    let instances = Dictionary(
      model.blockInstances.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    /// The box a layer is drawn in: itself, or the block instance it collapses into.
    func box(_ layer: LayerInfo) -> String {
      guard let depth, layer.blockPath.count > depth else { return layer.id }
      return layer.blockPath[depth]
    }
    let byID = Dictionary(model.layers.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    var drawn = Set<String>()
    for layer in model.layers {
      let id = box(layer)
      guard drawn.insert(id).inserted else { continue }
      if id != layer.id, let instance = instances[id] {
        let members = model.layers.filter { $0.blockPath.contains(id) }
        let parameters = members.reduce(0) { $0 + $1.parameterCount }
        var details = ["\(members.count) layers"]
        if parameters > 0 { details.append("\(grouped(parameters)) params") }
        diagram.nodes.append(
          Diagram.Node(
            id: id, title: instance.type, subtitle: id, details: details, family: .other,
            shape: .rounded))
        continue
      }
      var details: [String] = []
      if !layer.argumentsText.isEmpty { details.append(layer.argumentsText) }
      if layer.parameterCount > 0 { details.append("\(grouped(layer.parameterCount)) params") }
      if layer.type == "Input", let type = layer.outputType {
        details.append(type.shapeDescription)
      }
      if let label = layer.label { details.insert(label, at: 0) }
      diagram.nodes.append(
        Diagram.Node(
          id: layer.id, title: layer.type, subtitle: layer.id, details: details,
          family: GraphDiagram.family(layer.family), shape: .rounded))
    }
    var edges = Set<String>()
    for layer in model.layers {
      for input in layer.inputs {
        guard let source = byID[input] else { continue }
        let (from, to) = (box(source), box(layer))
        guard from != to, edges.insert("\(from)→\(to)").inserted else { continue }
        diagram.edges.append(
          Diagram.Edge(from: from, to: to, label: source.outputType?.shapeDescription))
      }
    }
    // Blocks that are not collapsed are drawn as clusters of their layers.
    for instance in model.blockInstances {
      let level =
        (model.layers.first { $0.blockPath.contains(instance.id) }?.blockPath
          .firstIndex(of: instance.id)) ?? 0
      if let depth, level >= depth { continue }
      let members =
        model.layers.filter { $0.blockPath.last == instance.id }.map(\.id)
        .filter { drawn.contains($0) }
        + model.blockInstances.filter { $0.parent == instance.id && drawn.contains($0.id) }.map(
          \.id)
      diagram.clusters.append(
        Diagram.Cluster(
          id: instance.id, title: "\(instance.type) \(instance.id)", members: members,
          parent: instance.parent))
    }
    // The output shape of the final layers, shown on an edge into an output marker, so every
    // layer's output shape is on the picture.
    let consumed = Set(model.layers.flatMap(\.inputs))
    if model.loss != nil || !model.outputs.isEmpty {
      for layer in model.layers where !consumed.contains(layer.id) {
        let id = "\(layer.id)__output"
        let lossText = model.loss == nil ? nil : lossDescription(model)
        diagram.nodes.append(
          Diagram.Node(
            id: id, title: lossText == nil ? "output" : "loss",
            subtitle: nil, details: lossText.map { [$0] } ?? [],
            family: lossText == nil ? .output : .loss, shape: .rounded))
        diagram.edges.append(
          Diagram.Edge(from: box(layer), to: id, label: layer.outputType?.shapeDescription))
      }
    }
    return diagram
  }

  private static func lossDescription(_ model: Model) -> String? {
    guard let loss = model.loss,
      let node = model.graph.nodes.first(where: { $0.outputs.contains(loss) })
    else { return nil }
    return node.op.name
  }

  /// The direction a model file asks for (`direction LR`), top to bottom by default.
  public static func direction(_ text: String?) -> Diagram.Direction {
    switch text?.uppercased() {
    case "LR": .leftToRight
    case "RL": .rightToLeft
    case "BT": .bottomToTop
    default: .topToBottom
    }
  }

  /// `1,234,567`, for parameter counts.
  static func grouped(_ n: Int) -> String {
    let digits = Array(String(n))
    var out = ""
    for (i, d) in digits.enumerated() {
      if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
      out.append(d)
    }
    return out
  }
}
