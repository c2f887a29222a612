/// The data-parallel step's gradient transform: every gradient summed over the processes
/// (each process scales its own by its share of the global batch, so the sum is the gradient
/// of the global mean loss), in buckets that start as soon as their gradients exist.
///
/// Buckets follow the order the backward pass produces the gradients (the output layer's
/// first). The first bucket closes at `firstBucketBytes`, so communication starts early; the
/// others at `bucketBytes`, so there are few of them (each sum costs a latency per process).
/// Each `AllReduceStart` is listed right after the node that produces its bucket's last
/// gradient, and what that gradient needs is listed before what it does not (a layer's weight
/// gradient before its input gradient), so the sum starts as early as a single thread can
/// reach it; the waits come after the whole backward pass, each before the updates of its own
/// parameters.
public struct AverageGradientsAcrossProcesses: GradientTransform {
  public var bucketBytes: Int
  public var firstBucketBytes: Int

  public init(bucketBytes: Int = 25 << 20, firstBucketBytes: Int = 1 << 20) {
    self.bucketBytes = max(bucketBytes, 4)
    self.firstBucketBytes = max(min(firstBucketBytes, bucketBytes), 4)
  }

  /// The buckets of a step this transform made, in the order they start: the index of each
  /// bucket's `AllReduceStart` node and the bytes it sums.
  public static func buckets(in graph: Graph) -> [(node: Int, bytes: Int)] {
    graph.nodes.indices.compactMap { index in
      let node = graph.nodes[index]
      guard node.op is AllReduceStart else { return nil }
      return (index, node.inputs.reduce(0) { $0 + graph[$1].type.elementsPerItem * 4 })
    }
  }

  /// The gradients' indices, grouped into buckets in the order they are produced.
  public func buckets(of gradients: [ValueID], in graph: Graph) -> [[Int]] {
    // A gradient nothing computes (a constant) is ready from the start.
    let order = gradients.indices.sorted {
      (graph[gradients[$0]].producer ?? -1, $0) < (graph[gradients[$1]].producer ?? -1, $1)
    }
    var buckets: [[Int]] = []
    var current: [Int] = []
    var bytes = 0
    for index in order {
      current.append(index)
      bytes += graph[gradients[index]].type.elementsPerItem * 4
      if bytes >= (buckets.isEmpty ? firstBucketBytes : bucketBytes) {
        buckets.append(current)
        current = []
        bytes = 0
      }
    }
    if !current.isEmpty { buckets.append(current) }
    return buckets
  }

  public func apply(
    to gradients: [(parameter: ValueID, gradient: ValueID)], in graph: inout Graph
  ) throws(GraphError) -> [ValueID] {
    let values = gradients.map(\.gradient)
    guard !values.isEmpty else { return values }
    let buckets = buckets(of: values, in: graph)
    let startsAt = graph.nodes.count
    for (number, members) in buckets.enumerated() {
      try graph.apply(
        AllReduceStart(bucket: number, gradientCount: members.count), members.map { values[$0] },
        name: "allreduce/start\(number)")
    }
    // A wait blocks the thread that runs it: it runs once every gradient exists, so that no
    // thread waits while backward work is left.
    for (number, members) in buckets.enumerated() {
      try graph.apply(
        AllReduceWait(bucket: number, gradientCount: members.count), members.map { values[$0] },
        name: "allreduce/wait\(number)", after: values)
    }
    graph.replaceNodes(Self.startingEarly(graph.nodes, starts: startsAt..<startsAt + buckets.count))
    return values
  }

  /// The node list with each start (in `starts`, at the end of `nodes`) moved up to where it
  /// can run. Before it come the nodes its gradients need; pure nodes that only later buckets
  /// need (a layer's input gradient, when the start needs its weight gradient) wait until
  /// after it, and so does what depends on them. Everything else keeps its place: the loss
  /// and metrics, and every node with effects, which nothing passes (when one would have to,
  /// the start simply follows its last needed node in listed order).
  static func startingEarly(_ nodes: [Node], starts: Range<Int>) -> [Node] {
    var producer: [ValueID: Int] = [:]
    for (index, node) in nodes.enumerated() {
      for output in node.outputs { producer[output] = index }
    }
    func closure(of start: Int) -> Set<Int> {
      var needed = Set<Int>()
      var stack = nodes[start].inputs.compactMap { producer[$0] }
      while let index = stack.popLast() {
        guard needed.insert(index).inserted else { continue }
        stack += (nodes[index].inputs + nodes[index].after).compactMap { producer[$0] }
      }
      return needed
    }
    let closures = starts.map(closure)
    var placed = [Bool](repeating: false, count: nodes.count)
    var order: [Int] = []
    var next = 0  // the first node not placed yet, in listed order
    for (position, start) in starts.enumerated() {
      let needed = closures[position].filter { !placed[$0] }
      let later = closures[(position + 1)...].reduce(into: Set<Int>()) { $0.formUnion($1) }
      let window = next..<max(next, (needed.max() ?? -1) + 1)
      var deferred = Set<Int>()
      var hoisted: [Int] = []
      var possible = true
      for index in window where !placed[index] {
        let node = nodes[index]
        let afterDeferred = (node.inputs + node.after).contains {
          producer[$0].map(deferred.contains) ?? false
        }
        if needed.contains(index) {
          hoisted.append(index)
        } else if node.op.isPure, later.contains(index) || afterDeferred {
          deferred.insert(index)
        } else if afterDeferred || (!deferred.isEmpty && !node.op.isPure) {
          possible = false
          break
        } else {
          hoisted.append(index)
        }
      }
      let chosen = possible ? hoisted : window.filter { !placed[$0] }
      for index in chosen {
        placed[index] = true
        order.append(index)
      }
      placed[start] = true
      order.append(start)
      while next < nodes.count, placed[next] { next += 1 }
    }
    for index in nodes.indices where !placed[index] { order.append(index) }
    return order.map { nodes[$0] }
  }
}
