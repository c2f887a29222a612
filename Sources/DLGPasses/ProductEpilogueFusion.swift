import DLGGraph

/// Moves a matrix product into the elementwise loop that is its only reader: the weight
/// gradient `Xᵀ·dY` and its optimizer update become one node that computes the gradient a
/// block of rows at a time and updates those rows while the block is in cache. The gradient,
/// as large as the weight, is never written to memory and read back.
struct ProductEpilogueFusion: GraphPass {
  var name: String { "product-epilogue fusion" }
  var purpose: String {
    "a product read only by an elementwise loop is consumed block by block, never stored whole"
  }

  func run(_ context: inout OptimizationContext) -> [String] {
    let graph = context.graph
    let readers = graph.readers()
    let fetched = Set(context.fetches)
    var replacement: [Int: Node] = [:]
    var removed = Set<Int>()
    var changes: [String] = []
    for (index, node) in graph.nodes.enumerated() {
      guard let loop = node.op as? FusedElementwise else { continue }
      for (slot, value) in node.inputs.enumerated() {
        guard let producer = graph[value].producer,
          let matMul = graph.nodes[producer].op as? MatMul,
          readers[value] == [index], !fetched.contains(value), !removed.contains(producer),
          graph[value].type.rank == 2, readsElementwiseOnly(loop.program, slot),
          // The loop must not update what the product reads: blocks come after earlier
          // blocks' updates.
          !mutates(node, graph.nodes[producer].inputs),
          !(producer + 1..<index).contains(where: {
            mutates(graph.nodes[$0], graph.nodes[producer].inputs)
          })
        else { continue }
        let product = graph.nodes[producer]
        var inputs = node.inputs
        inputs.remove(at: slot)
        replacement[index] = Node(
          op: FusedMatMulElementwise(
            matMul: matMul, loop: loop, productSlot: slot, productName: product.name),
          inputs: product.inputs + inputs, outputs: node.outputs, name: node.name,
          location: node.location, after: Node.mergedAfter([product, node]))
        removed.insert(producer)
        changes.append(
          "fused \(product.name) into \(node.name): its \(graph[value].type.shapeDescription) "
            + "result is consumed block by block, never stored")
        break
      }
    }
    guard !replacement.isEmpty else { return [] }
    context.graph.replaceNodes(
      graph.nodes.indices.compactMap {
        replacement[$0] ?? (removed.contains($0) ? nil : graph.nodes[$0])
      })
    return changes
  }

  /// True when the program loads input `slot` only element by element.
  private func readsElementwiseOnly(_ program: ElementwiseProgram, _ slot: Int) -> Bool {
    program.instructions.allSatisfy { instruction in
      switch instruction {
      case .columnInput(let s), .scalarInput(let s, _): s != slot
      default: true
      }
    } && !program.stores.contains { $0.input == slot }
  }

  private func mutates(_ node: Node, _ values: [ValueID]) -> Bool {
    node.op.writtenInputs.contains { values.contains(node.inputs[$0]) }
  }
}
