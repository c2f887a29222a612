import DLGGraph

/// Merges chains of nodes into single kernels so intermediate tensors are never written to
/// memory and read back:
/// - GEMM or convolution, then bias, then ReLU → one kernel with a bias/activation epilogue;
/// - ReLU gradient, then the bias gradient that sums it → one pass computing both.
struct BiasActivationFusion: GraphPass {
  var name: String { "fusion" }
  var purpose: String {
    "chains of operations run as one kernel: intermediate tensors never round-trip through memory"
  }

  func run(_ context: inout OptimizationContext) -> [String] {
    var changes: [String] = []
    changes += fuseProducerEpilogues(&context)
    changes += fuseReLUAndBiasGradients(&context)
    return changes
  }

  /// MatMul/Conv2D → BiasAdd [→ ReLU].
  private func fuseProducerEpilogues(_ context: inout OptimizationContext) -> [String] {
    var changes: [String] = []
    let graph = context.graph
    let uses = context.useCounts()
    let fetched = Set(context.fetches)
    var removed = Set<Int>()
    var replacement: [Int: Node] = [:]
    for (index, node) in graph.nodes.enumerated() where node.op is BiasAdd {
      let product = node.inputs[0]
      guard let producer = graph[product].producer, uses[product] == 1, !fetched.contains(product),
        !removed.contains(producer)
      else { continue }
      let head = graph.nodes[producer]
      var chain = [producer, index]
      var output = node.outputs[0]
      var activation = FusedActivation.identity
      if uses[output] == 1, !fetched.contains(output),
        let reader = graph.nodes.indices.first(where: {
          $0 > index && graph.nodes[$0].inputs.contains(output)
        }), graph.nodes[reader].op is ReLU
      {
        chain.append(reader)
        output = graph.nodes[reader].outputs[0]
        activation = .relu
      }
      let fusedOp: any Operator
      if let matMul = head.op as? MatMul {
        fusedOp = FusedMatMul(matMul, activation: activation)
      } else if let conv = head.op as? Conv2D {
        fusedOp = FusedConv2D(conv.attributes, activation: activation)
      } else {
        continue
      }
      let fused = Node(
        op: fusedOp, inputs: head.inputs + [node.inputs[1]], outputs: [output],
        name: head.name.split(separator: "/").first.map(String.init) ?? head.name,
        location: head.location, after: Node.mergedAfter(chain.map { graph.nodes[$0] }))
      removed.formUnion(chain)
      replacement[chain.last!] = fused
      changes.append(
        "fused " + chain.map { "\(graph.nodes[$0].name)" }.joined(separator: " + ")
          + " into one \(fusedOp.name)")
    }
    apply(removed, replacement, &context)
    return changes
  }

  /// ReLUGradient → ColumnSums (the bias gradient of the layer before the ReLU).
  private func fuseReLUAndBiasGradients(_ context: inout OptimizationContext) -> [String] {
    var changes: [String] = []
    let graph = context.graph
    var removed = Set<Int>()
    var replacement: [Int: Node] = [:]
    for (index, node) in graph.nodes.enumerated() where node.op is ColumnSums {
      guard let producer = graph[node.inputs[0]].producer,
        graph.nodes[producer].op is ReLUGradient, replacement[producer] == nil
      else { continue }
      let gradient = graph.nodes[producer]
      removed.formUnion([producer, index])
      replacement[producer] = Node(
        op: ReLUGradientWithBiasGradient(), inputs: gradient.inputs,
        outputs: gradient.outputs + node.outputs, name: gradient.name, location: gradient.location,
        after: Node.mergedAfter([gradient, node]))
      changes.append("fused \(gradient.name) + \(node.name) into one pass over the gradient")
    }
    apply(removed, replacement, &context)
    return changes
  }

  private func apply(
    _ removed: Set<Int>, _ replacement: [Int: Node], _ context: inout OptimizationContext
  ) {
    guard !removed.isEmpty else { return }
    var nodes: [Node] = []
    for (index, node) in context.graph.nodes.enumerated() {
      if let fused = replacement[index] {
        nodes.append(fused)
      } else if !removed.contains(index) {
        nodes.append(node)
      }
    }
    context.graph.replaceNodes(nodes)
  }
}
