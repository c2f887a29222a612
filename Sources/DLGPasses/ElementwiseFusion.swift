import DLGGraph
import DLGKernels

/// Merges chains of elementwise ops (those with an `ElementwiseFormula`) into one
/// `FusedElementwise` loop each: the intermediate tensors of the chain are never written to
/// memory, and the whole chain is one pass over its inputs. A value joins its reader's chain
/// when that reader is its only one, it is not fetched, and it has the chain's element count.
struct ElementwiseFusion: GraphPass {
  var name: String { "elementwise fusion" }
  var purpose: String {
    "chains of elementwise operations run as one loop over memory instead of one loop each"
  }

  func run(_ context: inout OptimizationContext) -> [String] {
    let graph = context.graph
    let uses = context.useCounts()
    let fetched = Set(context.fetches)
    // Each chain is named by its last node; `chainOf[node]` is the chain a node belongs to.
    var chainOf: [Int: Int] = [:]
    var members: [Int: [Int]] = [:]
    for (index, node) in graph.nodes.enumerated() {
      guard let formula = node.op as? any ElementwiseFormula, node.outputs.count == 1,
        node.inputs.allSatisfy({ graph[$0].type.dtype == .float32 })
      else { continue }
      let output = graph[node.outputs[0]].type
      var chain = [index]
      for (slot, input) in node.inputs.enumerated() where !formula.columnInputs.contains(slot) {
        guard let producer = graph[input].producer, let other = chainOf[producer],
          uses[input] == 1, !fetched.contains(input),
          graph[input].type.elementsPerItem == output.elementsPerItem,
          graph[input].type.isBatched == output.isBatched, other != index
        else { continue }
        chain += members.removeValue(forKey: other) ?? []
      }
      for member in chain { chainOf[member] = index }
      members[index] = chain.sorted()
    }
    var replacement: [Int: Node] = [:]
    var removed = Set<Int>()
    var changes: [String] = []
    // A chain runs where its last node was; one that spans an in-place update (an optimizer
    // step) would read the updated value, so it stays as it is.
    let updates = graph.nodes.indices.filter { !graph.nodes[$0].op.mutatedInputs.isEmpty }
    for (sink, chain) in members.sorted(by: { $0.key < $1.key })
    where chain.count >= 2 && !updates.contains(where: { $0 > chain[0] && $0 < sink }) {
      replacement[sink] = fusedNode(chain, sink: sink, graph)
      removed.formUnion(chain)
      let names = chain.map { graph.nodes[$0].name }
      changes.append(
        "fused \(names.joined(separator: " + ")) into one loop: \(chain.count - 1) "
          + "intermediate tensor\(chain.count > 2 ? "s" : "") never written")
    }
    guard !removed.isEmpty else { return [] }
    context.graph.replaceNodes(
      graph.nodes.indices.compactMap {
        replacement[$0] ?? (removed.contains($0) ? nil : graph.nodes[$0])
      })
    return changes
  }

  /// The chain's program: external values become inputs, each member's formula in order.
  private func fusedNode(_ chain: [Int], sink: Int, _ graph: Graph) -> Node {
    var program = ElementwiseProgram()
    var register: [ValueID: Int] = [:]
    var inputs: [ValueID] = []
    var inputRegister: [String: Int] = [:]
    let inside = Set(chain.flatMap { graph.nodes[$0].outputs })
    for index in chain {
      let node = graph.nodes[index]
      let formula = node.op as! any ElementwiseFormula
      let registers = node.inputs.enumerated().map { slot, value -> Int in
        if inside.contains(value), let r = register[value] { return r }
        let column = formula.columnInputs.contains(slot)
        let key = "\(value.index)/\(column)"
        if let r = inputRegister[key] { return r }
        let position = inputs.firstIndex(of: value) ?? inputs.count
        if position == inputs.count { inputs.append(value) }
        let r = program.emit(column ? .columnInput(position) : .input(position))
        inputRegister[key] = r
        return r
      }
      register[node.outputs[0]] = formula.formula(registers, &program)
    }
    let sinkNode = graph.nodes[sink]
    let result = register[sinkNode.outputs[0]]!
    if result != program.instructions.count - 1 { program.emit(.copy(result)) }
    let outputType = graph[sinkNode.outputs[0]].type
    let overwritable = inputs.firstIndex {
      graph[$0].type.elementsPerItem == outputType.elementsPerItem
        && graph[$0].type.isBatched == outputType.isBatched
    }
    return Node(
      op: FusedElementwise(
        program: program, fused: chain.map { graph.nodes[$0].op.name }, outputType: outputType,
        overwritableInput: overwritable),
      inputs: inputs, outputs: sinkNode.outputs, name: sinkNode.name, location: sinkNode.location)
  }
}
