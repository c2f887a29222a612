import DLGGraph

/// Gathers the update of every parameter into one node per optimizer: one dispatch per step
/// for the whole update, which the runtime splits evenly over the threads.
struct OptimizerUpdateFusion: GraphPass {
  var name: String { "optimizer-update fusion" }
  var purpose: String { "every parameter's update runs as one fused pass over memory" }

  func run(_ context: inout OptimizationContext) -> [String] {
    let nodes = context.graph.nodes
    let adam = nodes.indices.filter { nodes[$0].op is AdamUpdate }
    let sgd = nodes.indices.filter { nodes[$0].op is SGDUpdate }
    var changes: [String] = []
    var replaced: [Int: Node] = [:]
    var removed = Set<Int>()
    if adam.count > 1, let settings = (nodes[adam[0]].op as? AdamUpdate)?.settings,
      adam.allSatisfy({ (nodes[$0].op as? AdamUpdate)?.settings == settings })
    {
      replaced[adam.last!] = Node(
        op: FusedAdamUpdate(settings, parameterCount: adam.count),
        inputs: adam.flatMap { nodes[$0].inputs }, outputs: [], name: "update/adam",
        location: nil)
      removed.formUnion(adam)
      changes.append("fused the Adam updates of \(adam.count) parameters into one node")
    }
    if sgd.count > 1, let settings = (nodes[sgd[0]].op as? SGDUpdate)?.settings,
      sgd.allSatisfy({ (nodes[$0].op as? SGDUpdate)?.settings == settings })
    {
      replaced[sgd.last!] = Node(
        op: FusedSGDUpdate(settings, parameterCount: sgd.count),
        inputs: sgd.flatMap { nodes[$0].inputs }, outputs: [], name: "update/sgd", location: nil)
      removed.formUnion(sgd)
      changes.append("fused the SGD updates of \(sgd.count) parameters into one node")
    }
    guard !removed.isEmpty else { return [] }
    context.graph.replaceNodes(
      nodes.indices.compactMap { replaced[$0] ?? (removed.contains($0) ? nil : nodes[$0]) })
    return changes
  }
}
