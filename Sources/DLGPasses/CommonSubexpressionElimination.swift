import DLGGraph

/// Computes each distinct (op, inputs) once: a second node doing the same work on the same
/// values is replaced by the first one's result.
struct CommonSubexpressionElimination: GraphPass {
  var name: String { "common-subexpression elimination" }
  var purpose: String { "the same computation on the same values runs once" }

  func run(_ context: inout OptimizationContext) -> [String] {
    var seen: [Key: Node] = [:]
    var changes: [String] = []
    var index = 0
    while index < context.graph.nodes.count {
      let node = context.graph.nodes[index]
      // Only pure ops: two dropouts or two updates on the same values are not the same work.
      guard node.op.isPure, !node.outputs.isEmpty else {
        index += 1
        continue
      }
      let key = Key(op: AnyHashable(node.op), inputs: node.inputs, after: node.after)
      if let first = seen[key] {
        for (old, new) in zip(node.outputs, first.outputs) { context.substitute(old, with: new) }
        var nodes = context.graph.nodes
        nodes.remove(at: index)
        context.graph.replaceNodes(nodes)
        changes.append("\(node.name) computes the same as \(first.name): reuses its result")
      } else {
        seen[key] = node
        index += 1
      }
    }
    return changes
  }

  /// Ops are values with typed attributes: equal ops on equal inputs compute equal results.
  private struct Key: Hashable {
    var op: AnyHashable
    var inputs: [ValueID]
    var after: [ValueID]
  }
}
