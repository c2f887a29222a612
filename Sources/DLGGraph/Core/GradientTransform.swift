/// A step between the backward pass and the optimizer update: receives every trained
/// parameter's gradient and appends nodes that transform them (clip them by their global norm
/// today; average them over processes next). Autodiff applies the transforms in order and
/// hands the optimizer what the last one returns.
public protocol GradientTransform: Sendable {
  /// Appends the transform to `graph`; returns the gradient each parameter's update should
  /// read (the same values when they are changed in place), in the order given.
  func apply(to gradients: [(parameter: ValueID, gradient: ValueID)], in graph: inout Graph)
    throws(GraphError) -> [ValueID]
}
