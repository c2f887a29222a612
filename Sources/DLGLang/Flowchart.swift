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

  public init() {}
}
