import DLGGraph

/// A frozen layer's batch normalization keeps normalizing with its running statistics while
/// the rest trains (as `model.eval()` on a PyTorch backbone, or Keras's `trainable = False`):
/// the batch's own statistics would shift what the layers after it were trained on.
public enum FrozenNormalization {
  /// The forward graph with every `BatchNorm` whose scale is frozen reading its running
  /// statistics; value ids are unchanged.
  public static func apply(to graph: Graph, frozen: Set<ValueID>) -> Graph {
    guard !frozen.isEmpty else { return graph }
    var result = graph
    var nodes = graph.nodes
    var changed = false
    for index in nodes.indices {
      guard var op = nodes[index].op as? BatchNorm, !op.usesRunningStatistics,
        frozen.contains(nodes[index].inputs[1])
      else { continue }
      op.usesRunningStatistics = true
      nodes[index].op = op
      changed = true
    }
    if changed { result.replaceNodes(nodes) }
    return result
  }
}
