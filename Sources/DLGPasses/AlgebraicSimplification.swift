import DLGGraph

/// Rewrites that make the graph smaller without changing any value: a reshape of a reshape
/// becomes one reshape, a reshape to the same shape disappears, adding a constant zero is
/// dropped.
struct AlgebraicSimplification: GraphPass {
  var name: String { "algebraic simplification" }
  var purpose: String { "no-op and redundant operations are removed before they cost anything" }

  func run(_ context: inout OptimizationContext) -> [String] {
    var changes: [String] = []
    var index = 0
    while index < context.graph.nodes.count {
      let node = context.graph.nodes[index]
      let graph = context.graph
      if let reshape = node.op as? Reshape {
        let input = node.inputs[0]
        if graph[input].type.shape == reshape.shape {
          context.substitute(node.outputs[0], with: input)
          remove(index, &context)
          changes.append("\(node.name) reshapes to the shape it already has: removed")
          continue
        }
        if let producer = graph[input].producer, graph.nodes[producer].op is Reshape {
          var nodes = context.graph.nodes
          nodes[index].inputs = [graph.nodes[producer].inputs[0]]
          context.graph.replaceNodes(nodes)
          changes.append("\(node.name) reshapes a reshape: now one reshape")
        }
      }
      if node.op is Add,
        let zero = node.inputs.indices.first(where: { isZero(node.inputs[$0], graph) })
      {
        context.substitute(node.outputs[0], with: node.inputs[1 - zero])
        remove(index, &context)
        changes.append("\(node.name) adds zero: removed")
        continue
      }
      index += 1
    }
    return changes
  }

  private func isZero(_ value: ValueID, _ graph: Graph) -> Bool {
    if case .constant(let data) = graph[value].role { return data.allSatisfy { $0 == 0 } }
    return false
  }

  private func remove(_ index: Int, _ context: inout OptimizationContext) {
    var nodes = context.graph.nodes
    nodes.remove(at: index)
    context.graph.replaceNodes(nodes)
  }
}
