import DLGGraph

/// Merges a training step's softmax cross-entropy, its gradient and its correct count (three
/// nodes reading the same logits and labels) into one `FusedSoftmaxCrossEntropy` pass over the
/// logits. For a language model's `[N·T, V]` logits the three passes of exponentials and
/// maxima were a tenth of the step.
struct LossGradientFusion: GraphPass {
  var name: String { "loss-gradient fusion" }
  var purpose: String {
    "the loss, its gradient and the accuracy count read the logits once, not three times"
  }

  func run(_ context: inout OptimizationContext) -> [String] {
    let graph = context.graph
    var changes: [String] = []
    var replacement: [Int: Node] = [:]
    var removed = Set<Int>()
    for (index, node) in graph.nodes.enumerated() where node.op is SoftmaxCrossEntropyGradient {
      let operands = Array(node.inputs[0..<2])
      func partner(_ type: any Operator.Type) -> Int? {
        graph.nodes.indices.first { i in
          i < index && !removed.contains(i) && type == Swift.type(of: graph.nodes[i].op)
            && graph.nodes[i].inputs == operands
        }
      }
      guard let lossIndex = partner(SoftmaxCrossEntropy.self) else { continue }
      let correctIndex = partner(CorrectCount.self)
      let merged = [lossIndex, index] + (correctIndex.map { [$0] } ?? [])
      // The fused node runs where the gradient did: nothing before it may read the loss or
      // the count.
      let early = Set(merged.filter { $0 != index }.flatMap { graph.nodes[$0].outputs })
      guard !graph.nodes[..<index].contains(where: { !early.isDisjoint(with: $0.inputs) }) else {
        continue
      }
      let loss = graph.nodes[lossIndex]
      replacement[index] = Node(
        op: FusedSoftmaxCrossEntropy(countsCorrect: correctIndex != nil), inputs: node.inputs,
        outputs: loss.outputs + node.outputs + (correctIndex.map { graph.nodes[$0].outputs } ?? []),
        name: loss.name, location: loss.location,
        after: Node.mergedAfter(merged.map { graph.nodes[$0] }))
      removed.formUnion(merged)
      changes.append(
        "fused " + merged.sorted().map { graph.nodes[$0].name }.joined(separator: " + ")
          + " into one pass over the logits")
    }
    guard !removed.isEmpty else { return [] }
    var nodes: [Node] = []
    for (index, node) in graph.nodes.enumerated() {
      if let fused = replacement[index] {
        nodes.append(fused)
      } else if !removed.contains(index) {
        nodes.append(node)
      }
    }
    context.graph.replaceNodes(nodes)
    return changes
  }
}
