/// What a picture shows: boxes, arrows and clusters, independent of the engine, so models,
/// Mermaid flowcharts and anything else can be drawn the same way.
public struct Diagram: Sendable {
  public enum Direction: String, Sendable {
    case topToBottom = "TB"
    case bottomToTop = "BT"
    case leftToRight = "LR"
    case rightToLeft = "RL"
  }

  /// Which colour a box gets: one restrained tint per family of layers.
  public enum Family: String, Sendable {
    case input, output, loss, convolution, dense, activation, normalization, pooling, reshape
    case merge, recurrent, attention, other, plain
  }

  /// Box shapes (Mermaid's flowchart shapes map onto these).
  public enum Shape: String, Sendable {
    case box, rounded, stadium, circle, doubleCircle, diamond, hexagon, cylinder, subroutine
    case parallelogram, trapezoid, asymmetric
  }

  public struct Node: Sendable {
    public var id: String
    /// The bold first line (`Conv2D`).
    public var title: String
    /// The small grey line under it (the layer id).
    public var subtitle: String?
    /// Further lines (`32, 3x3, relu`, `320 params`).
    public var details: [String]
    public var family: Family
    public var shape: Shape
    /// Colours and line set by the diagram's author (Mermaid `classDef`, `style`), over the
    /// palette's.
    public var paint: Paint?

    public init(
      id: String, title: String, subtitle: String? = nil, details: [String] = [],
      family: Family = .plain, shape: Shape = .box
    ) {
      self.id = id
      self.title = title
      self.subtitle = subtitle
      self.details = details
      self.family = family
      self.shape = shape
    }
  }

  public enum LineStyle: String, Sendable { case solid, dotted, thick, invisible }
  public enum ArrowHead: String, Sendable { case normal, none, circle, cross }

  public struct Edge: Sendable {
    public var from: String
    public var to: String
    /// Text on the edge (the tensor shape, or a Mermaid edge label).
    public var label: String?
    public var style: LineStyle
    public var head: ArrowHead
    public var tail: ArrowHead
    /// Colour and width set by the author (Mermaid `linkStyle`).
    public var paint: Paint?

    public init(
      from: String, to: String, label: String? = nil, style: LineStyle = .solid,
      head: ArrowHead = .normal, tail: ArrowHead = .none
    ) {
      self.from = from
      self.to = to
      self.label = label
      self.style = style
      self.head = head
      self.tail = tail
    }
  }

  /// Colours and lines an author set on a node or an edge; nil fields keep the palette's.
  /// Colours are Graphviz colours: `#rrggbb`, `#rrggbbaa` or a colour name.
  public struct Paint: Sendable, Equatable {
    public var fill: String?
    public var stroke: String?
    public var text: String?
    public var strokeWidth: Double?
    public var dashed: Bool?

    public init(
      fill: String? = nil, stroke: String? = nil, text: String? = nil,
      strokeWidth: Double? = nil, dashed: Bool? = nil
    ) {
      self.fill = fill
      self.stroke = stroke
      self.text = text
      self.strokeWidth = strokeWidth
      self.dashed = dashed
    }
  }

  /// The colours of boxes nobody styled: dlg's, by layer family, or Mermaid's default theme.
  public enum Palette: String, Sendable, CaseIterable {
    case dlg, mermaid
  }

  /// A group of nodes drawn inside one frame.
  public struct Cluster: Sendable {
    public var id: String
    public var title: String
    /// Node ids directly inside this cluster.
    public var members: [String]
    /// The enclosing cluster's id, for nested groups.
    public var parent: String?

    public init(id: String, title: String, members: [String], parent: String? = nil) {
      self.id = id
      self.title = title
      self.members = members
      self.parent = parent
    }
  }

  public var title: String?
  public var direction: Direction
  public var nodes: [Node]
  public var edges: [Edge]
  public var clusters: [Cluster]
  public var palette: Palette = .dlg

  public init(
    title: String? = nil, direction: Direction = .topToBottom, nodes: [Node] = [],
    edges: [Edge] = [], clusters: [Cluster] = []
  ) {
    self.title = title
    self.direction = direction
    self.nodes = nodes
    self.edges = edges
    self.clusters = clusters
  }
}
