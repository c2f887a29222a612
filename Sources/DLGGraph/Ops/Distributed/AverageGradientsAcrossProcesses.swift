/// The data-parallel step's gradient transform: every gradient summed over the processes
/// (each process scales its own by its share of the global batch, so the sum is the gradient
/// of the global mean loss), in buckets that start as soon as their gradients exist.
///
/// Buckets follow the order the backward pass produces the gradients (the output layer's
/// first). The first bucket closes at `firstBucketBytes`, so communication starts early; the
/// others at `bucketBytes`, so there are few of them (each sum costs a latency per process).
/// Each `AllReduceStart` is listed right after the node that produces its bucket's last
/// gradient, which is where a single thread reaches it too; the waits come after the whole
/// backward pass, each before the updates of its own parameters.
public struct AverageGradientsAcrossProcesses: GradientTransform {
  public var bucketBytes: Int
  public var firstBucketBytes: Int

  public init(bucketBytes: Int = 25 << 20, firstBucketBytes: Int = 1 << 20) {
    self.bucketBytes = max(bucketBytes, 4)
    self.firstBucketBytes = max(min(firstBucketBytes, bucketBytes), 4)
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
    for (number, members) in buckets.enumerated() {
      try graph.apply(
        AllReduceWait(bucket: number, gradientCount: members.count), members.map { values[$0] },
        name: "allreduce/wait\(number)")
    }
    // Each start moves up to just after its last gradient's producer. The buckets are in
    // production order, so the starts stay in their own order.
    let starts = Array(graph.nodes[startsAt..<startsAt + buckets.count])
    var anchored = [Int: [Node]]()
    var early: [Node] = []
    for start in starts {
      if let last = start.inputs.compactMap({ graph[$0].producer }).max() {
        anchored[last, default: []].append(start)
      } else {
        early.append(start)
      }
    }
    var nodes = early
    for (index, node) in graph.nodes.enumerated() where index < startsAt {
      nodes.append(node)
      nodes += anchored[index] ?? []
    }
    nodes += graph.nodes[(startsAt + buckets.count)...]
    graph.replaceNodes(nodes)
    return values
  }
}
