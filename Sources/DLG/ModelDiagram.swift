import DLGGraph
import DLGViz

/// Turns a lowered model into a picture: one box per layer with its op, arguments and
/// parameter count; the tensor shape each layer produces on its outgoing edges.
public enum ModelDiagram {
  public static func diagram(for model: Model) -> Diagram {
    var diagram = Diagram(
      title: model.title, direction: direction(model.direction), nodes: [], edges: [],
      clusters: [])
    let byID = Dictionary(model.layers.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    for layer in model.layers {
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
    for layer in model.layers {
      for input in layer.inputs {
        let shape = byID[input]?.outputType?.shapeDescription
        diagram.edges.append(Diagram.Edge(from: input, to: layer.id, label: shape))
      }
    }
    // The output shape of the final layers, shown on an edge into an output marker, so every
    // layer's output shape is on the picture.
    if model.loss != nil || !model.outputs.isEmpty {
      for layer in model.layers
      where !model.layers.contains(where: { $0.inputs.contains(layer.id) }) {
        let id = "\(layer.id)__output"
        let lossText = model.loss == nil ? nil : lossDescription(model)
        diagram.nodes.append(
          Diagram.Node(
            id: id, title: lossText == nil ? "output" : "loss",
            subtitle: nil, details: lossText.map { [$0] } ?? [],
            family: lossText == nil ? .output : .loss, shape: .rounded))
        diagram.edges.append(
          Diagram.Edge(from: layer.id, to: id, label: layer.outputType?.shapeDescription))
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
