import DLGGraph

/// Removes nodes whose results are neither fetched nor needed by a node with side effects
/// (an optimizer update). Value ids are kept, so parameters stay shared between graphs
/// derived from the same forward graph.
public enum DeadCodeElimination {
  /// Nodes before `firstRemovable` are always kept (autodiff uses this to prune only the
  /// gradient nodes it generated, leaving the user's forward graph to the optimizer).
  public static func run(_ graph: Graph, keeping fetches: [ValueID], firstRemovable: Int = 0)
    -> Graph
  {
    let keep = liveNodes(graph, keeping: fetches, firstRemovable: firstRemovable)
    var result = graph
    result.replaceNodes(graph.nodes.indices.filter { keep[$0] }.map { graph.nodes[$0] })
    return result
  }

  /// Which nodes must run: those with side effects, and those whose results they or the
  /// fetches need, transitively.
  static func liveNodes(_ graph: Graph, keeping fetches: [ValueID], firstRemovable: Int = 0)
    -> [Bool]
  {
    var needed = Set(fetches)
    var keep = Array(repeating: false, count: graph.nodes.count)
    for (index, node) in graph.nodes.enumerated().reversed() {
      let hasSideEffects = !node.op.writtenInputs.isEmpty || node.op.isCollective
      guard
        index < firstRemovable || hasSideEffects || node.outputs.contains(where: needed.contains)
      else { continue }
      keep[index] = true
      needed.formUnion(node.inputs)
      needed.formUnion(node.after)
    }
    return keep
  }
}
