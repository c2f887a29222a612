import DLGGraph

/// Computes each distinct (op, inputs) once: a second node doing the same work on the same
/// values is replaced by the first one's result.
struct CommonSubexpressionElimination: GraphPass {
  var name: String { "common-subexpression elimination" }
  var purpose: String { "the same computation on the same values runs once" }

  func run(_ context: inout OptimizationContext) -> [String] {
    var seen: [String: Node] = [:]
    var changes: [String] = []
    var index = 0
    while index < context.graph.nodes.count {
      let node = context.graph.nodes[index]
      // Ops are value types: their printed form holds every attribute.
      guard node.op.mutatedInputs.isEmpty, !node.outputs.isEmpty else {
        index += 1
        continue
      }
      let key = "\(node.op)|\(node.inputs.map(\.index))"
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
}
