import DLGSource

/// The graph being extended by a pass such as autodiff, with the naming and location of the
/// node currently being processed, so generated nodes point back at the user's layer.
public struct GraphBuilder: Sendable {
  public var graph: Graph
  /// Prefix for generated node names (`grad/conv`).
  public var namePrefix: String
  /// Location of the forward node being differentiated.
  public var location: SourceRange?

  public init(graph: Graph, namePrefix: String = "", location: SourceRange? = nil) {
    self.graph = graph
    self.namePrefix = namePrefix
    self.location = location
  }

  /// The static type of a value.
  public func type(of value: ValueID) -> TensorType { graph[value].type }

  /// Appends a single-output node named `prefix/suffix`.
  public mutating func add(_ op: any Operator, _ inputs: [ValueID], _ suffix: String)
    throws(GraphError) -> ValueID
  {
    try graph.applySingleOutput(op, inputs, name: "\(namePrefix)/\(suffix)", location: location)
  }
}
