/// A Mermaid `flowchart` / `graph` diagram: drawn, never run.
public struct Flowchart: Sendable {
  public enum Direction: String, Sendable {
    case topToBottom = "TB"
    case bottomToTop = "BT"
    case leftToRight = "LR"
    case rightToLeft = "RL"
  }

  /// Mermaid's node shapes.
  public enum Shape: String, Sendable {
    case rectangle, rounded, stadium, subroutine, cylinder, circle, doubleCircle, asymmetric
    case rhombus, hexagon, parallelogram, parallelogramAlt, trapezoid, trapezoidAlt
  }

  public struct Node: Sendable {
    public var id: String
    public var label: String
    public var shape: Shape
    /// The innermost subgraph that declared it, if any.
    public var subgraph: String?
    /// Classes from `class a name` and `a:::name`, in the order given.
    public var classes: [String] = []
    /// Its own `style id ...`, over its classes.
    public var style: Style?
  }

  /// What `classDef`, `style` and `linkStyle` set, checked and with colours written as
  /// Graphviz reads them (`#f96` becomes `#ff9966`, `rgb(255, 0, 0)` becomes `#ff0000`).
  public struct Style: Sendable, Equatable {
    public var fill: String?
    public var stroke: String?
    public var color: String?
    public var strokeWidth: Double?
    public var dashed: Bool?

    public init() {}

    /// This style with `other`'s settings on top.
    public func overlaid(with other: Style?) -> Style {
      guard let other else { return self }
      var result = self
      result.fill = other.fill ?? fill
      result.stroke = other.stroke ?? stroke
      result.color = other.color ?? color
      result.strokeWidth = other.strokeWidth ?? strokeWidth
      result.dashed = other.dashed ?? dashed
      return result
    }
  }

  public enum LineStyle: Sendable { case solid, dotted, thick, invisible }
  public enum End: Sendable { case none, arrow, circle, cross }

  public struct Edge: Sendable {
    public var from: String
    public var to: String
    public var label: String?
    public var style: LineStyle
    public var head: End
    public var tail: End
  }

  public struct Subgraph: Sendable {
    public var id: String
    public var title: String
    public var parent: String?
    public var direction: Direction?
  }

  public var direction: Direction = .topToBottom
  /// In declaration order (first mention wins the position; a later label or shape updates it).
  public var nodes: [Node] = []
  public var edges: [Edge] = []
  public var subgraphs: [Subgraph] = []
  /// `classDef name ...`; `default` applies to every node.
  public var classes: [String: Style] = [:]
  /// `linkStyle N ...` by edge index (in the order edges were written).
  public var linkStyles: [Int: Style] = [:]
  /// `linkStyle default ...`.
  public var defaultLinkStyle: Style?

  public init() {}
}
