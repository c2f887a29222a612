import DLGGraph

/// Dead-code elimination as a pipeline pass: drops nodes no fetch and no update needs.
struct DeadCodeEliminationPass: GraphPass {
  var name: String { "dead-code elimination" }
  var purpose: String { "work whose result nobody reads is never run" }

  func run(_ context: inout OptimizationContext) -> [String] {
    let nodes = context.graph.nodes
    let live = DeadCodeElimination.liveNodes(context.graph, keeping: context.fetches)
    context.graph.replaceNodes(nodes.indices.filter { live[$0] }.map { nodes[$0] })
    return nodes.indices.filter { !live[$0] }.map {
      "removed \(nodes[$0].name) (\(nodes[$0].op.name)): its result is never used"
    }
  }
}
