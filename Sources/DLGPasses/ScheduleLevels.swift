import DLGGraph

/// The order a graph's nodes may run in when independent nodes run at the same time: each
/// node gets the earliest level after every node it depends on (as soon as possible). Nodes
/// on one level never depend on each other, so the scheduler may run them together; the
/// memory planner computes liveness over levels, which keeps tensors of concurrent branches
/// apart in the arena.
///
/// A node depends on the producers of its inputs and, for values updated in place (optimizer
/// updates), the update comes after every node listed before it that reads the old value and
/// before every node listed after it. Ordering edges count as dependencies too: a node waits
/// for the producers of the values it runs `after`, and collectives run one after another in
/// listed order, so every process of a distributed run issues them in the same order.
public struct ScheduleLevels: Sendable {
  /// The level of each node, indexed like `graph.nodes`.
  public var levels: [Int]
  /// The nodes each node must wait for (data and update order only; the runtime adds the
  /// waits that shared memory needs).
  public var predecessors: [[Int]]

  public var count: Int { (levels.max() ?? -1) + 1 }

  public init(_ graph: Graph) {
    let nodes = graph.nodes
    // Storage roots, so a view of a parameter counts as a read of the parameter.
    var root: [ValueID: ValueID] = [:]
    func rootOf(_ value: ValueID) -> ValueID { root[value].map(rootOf) ?? value }
    for node in nodes {
      if let aliased = node.op.aliasedInput { root[node.outputs[0]] = rootOf(node.inputs[aliased]) }
    }
    var predecessors = [[Int]](repeating: [], count: nodes.count)
    var readers: [ValueID: [Int]] = [:]
    var lastUpdate: [ValueID: Int] = [:]
    let ordering = Self.orderingEdges(graph)
    for (index, node) in nodes.enumerated() {
      var waits = Set(ordering[index])
      for input in node.inputs {
        if let producer = graph[input].producer, producer < index { waits.insert(producer) }
        if let update = lastUpdate[rootOf(input)], update != index { waits.insert(update) }
      }
      for mutated in node.op.writtenInputs {
        let target = rootOf(node.inputs[mutated])
        for reader in readers[target] ?? [] where reader != index { waits.insert(reader) }
      }
      for input in node.inputs { readers[rootOf(input), default: []].append(index) }
      for mutated in node.op.writtenInputs {
        let target = rootOf(node.inputs[mutated])
        lastUpdate[target] = index
        readers[target] = []
      }
      predecessors[index] = waits.sorted()
    }
    var levels = [Int](repeating: 0, count: nodes.count)
    for index in nodes.indices {
      levels[index] = (predecessors[index].map { levels[$0] }.max() ?? -1) + 1
    }
    self.levels = levels
    self.predecessors = predecessors
  }

  /// For each node, the earlier nodes it must follow though it reads nothing they write: the
  /// producers of its `after` values, and the collective listed before it when it is one.
  public static func orderingEdges(_ graph: Graph) -> [[Int]] {
    var result = [[Int]](repeating: [], count: graph.nodes.count)
    var lastCollective: Int?
    for (index, node) in graph.nodes.enumerated() {
      var waits = node.after.compactMap { graph[$0].producer }.filter { $0 < index }
      if node.op.isCollective {
        if let previous = lastCollective { waits.append(previous) }
        lastCollective = index
      }
      result[index] = Array(Set(waits)).sorted()
    }
    return result
  }

  /// The graph with its nodes listed level by level (keeping listed order within a level): an
  /// order in which running nodes of one level together, or in sequence, gives the same result.
  /// The memory planner's concurrent liveness assumes this order.
  public static func levelOrdered(_ graph: Graph) -> Graph {
    let levels = ScheduleLevels(graph).levels
    let order = graph.nodes.indices.sorted { (levels[$0], $0) < (levels[$1], $1) }
    guard order != Array(graph.nodes.indices) else { return graph }
    var result = graph
    result.replaceNodes(order.map { graph.nodes[$0] })
    return result
  }
}
