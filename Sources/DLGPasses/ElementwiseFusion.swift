import DLGGraph

/// Merges groups of elementwise ops (those with an `ElementwiseFormula`) into one
/// `FusedElementwise` loop each: the group's intermediate tensors are never written to memory,
/// and the whole group is one pass over its inputs. A value joins the group of its producer
/// and readers when every reader is such an op reading it element by element over the same
/// number of elements, and it is not fetched: chains of activations and their gradients, and
/// an optimizer's whole update of one parameter.
struct ElementwiseFusion: GraphPass {
  var name: String { "elementwise fusion" }
  var purpose: String {
    "groups of elementwise operations run as one loop over memory instead of one loop each"
  }

  func run(_ context: inout OptimizationContext) -> [String] {
    let graph = context.graph
    let fetched = Set(context.fetches)
    let readers = graph.readers()
    let formulas: [Int: any ElementwiseFormula] = Dictionary(
      uniqueKeysWithValues: graph.nodes.indices.compactMap { index in
        let node = graph.nodes[index]
        guard let formula = node.op as? any ElementwiseFormula,
          node.inputs.allSatisfy({ graph[$0].type.dtype == .float32 })
        else { return nil }
        return (index, formula)
      })
    // The elements a node loops over: its output's, or what it assigns.
    func loop(_ index: Int) -> (Int, Bool) {
      let node = graph.nodes[index]
      let value = formulas[index]?.storeTarget.map { node.inputs[$0] } ?? node.outputs[0]
      return (graph[value].type.elementsPerItem, graph[value].type.isBatched)
    }
    var parent = Array(graph.nodes.indices)
    func find(_ x: Int) -> Int {
      var x = x
      while parent[x] != x {
        parent[x] = parent[parent[x]]
        x = parent[x]
      }
      return x
    }
    for (index, _) in formulas where graph.nodes[index].outputs.count == 1 {
      let value = graph.nodes[index].outputs[0]
      guard !fetched.contains(value), let readersOfValue = readers[value],
        readersOfValue.allSatisfy({ reader in
          guard let formula = formulas[reader], loop(reader) == loop(index) else { return false }
          let node = graph.nodes[reader]
          return node.inputs.indices.allSatisfy {
            node.inputs[$0] != value || formula.inputKind($0) == .elementwise
          }
        })
      else { continue }
      for reader in readersOfValue { parent[find(reader)] = find(index) }
    }
    var groups: [Int: [Int]] = [:]
    for index in formulas.keys { groups[find(index), default: []].append(index) }

    var replacement: [Int: Node] = [:]
    var removed = Set<Int>()
    var changes: [String] = []
    for members in groups.values.map({ $0.sorted() }).sorted(by: { $0[0] < $1[0] })
    where members.count >= 2 && canFuse(members, graph, readers, fetched) {
      replacement[members.last!] = fusedNode(members, graph, readers, fetched, formulas)
      removed.formUnion(members)
      changes.append(describe(members, graph))
    }
    guard !removed.isEmpty else { return [] }
    context.graph.replaceNodes(
      graph.nodes.indices.compactMap {
        replacement[$0] ?? (removed.contains($0) ? nil : graph.nodes[$0])
      })
    return changes
  }

  /// The fused node takes the place of the group's last member, so nothing outside the group
  /// may read its results before that, and nothing listed among its members may update what
  /// it reads or read what it assigns; and an assigned value is read by no member after the
  /// assignment (the loop reads every input before it writes).
  private func canFuse(
    _ members: [Int], _ graph: Graph, _ readers: [ValueID: [Int]], _ fetched: Set<ValueID>
  ) -> Bool {
    let inside = Set(members)
    let (first, last) = (members[0], members.last!)
    let assigned = members.flatMap { index in
      graph.nodes[index].op.writtenInputs.map { graph.nodes[index].inputs[$0] }
    }
    let produced = Set(members.flatMap { graph.nodes[$0].outputs })
    for member in members {
      // Values made inside the group, and values it assigns, are read element by element
      // only: a column or scalar read would need the whole value first.
      if let formula = graph.nodes[member].op as? any ElementwiseFormula {
        for (slot, value) in graph.nodes[member].inputs.enumerated()
        where formula.inputKind(slot) != .elementwise
          && (produced.contains(value) || assigned.contains(value))
        {
          return false
        }
      }
      for output in graph.nodes[member].outputs {
        for reader in readers[output] ?? [] where !inside.contains(reader) && reader < last {
          return false
        }
      }
      for target in graph.nodes[member].op.writtenInputs.map({ graph.nodes[member].inputs[$0] }) {
        for reader in readers[target] ?? [] where inside.contains(reader) && reader > member {
          return false
        }
      }
    }
    for index in first..<last where !inside.contains(index) {
      let node = graph.nodes[index]
      if !node.op.writtenInputs.isEmpty || node.inputs.contains(where: assigned.contains) {
        return false
      }
    }
    return true
  }

  /// The group's program: external values become inputs, each member's formula in order.
  private func fusedNode(
    _ members: [Int], _ graph: Graph, _ readers: [ValueID: [Int]], _ fetched: Set<ValueID>,
    _ formulas: [Int: any ElementwiseFormula]
  ) -> Node {
    let inside = Set(members)
    var program = ElementwiseProgram()
    var register: [ValueID: Int] = [:]
    var inputs: [ValueID] = []
    var loaded: [String: Int] = [:]
    func position(of value: ValueID) -> Int {
      if let index = inputs.firstIndex(of: value) { return index }
      inputs.append(value)
      return inputs.count - 1
    }
    var results: [(ValueID, Int)] = []
    for index in members {
      let node = graph.nodes[index]
      let formula = formulas[index]!
      let registers = node.inputs.enumerated().map { slot, value -> Int in
        let kind = formula.inputKind(slot)
        if kind == .elementwise, let r = register[value] { return r }
        let key = "\(value.index)/\(kind)"
        if let r = loaded[key] { return r }
        let r = program.emit(formula.load(slot, from: position(of: value)))
        loaded[key] = r
        return r
      }
      let result = formula.formula(registers, &program)
      if let target = formula.storeTarget {
        program.stores.append(.init(register: result, input: position(of: node.inputs[target])))
      } else {
        let output = node.outputs[0]
        register[output] = result
        let readOutside = (readers[output] ?? []).contains { !inside.contains($0) }
        if readOutside || fetched.contains(output) { results.append((output, result)) }
      }
    }
    program.results = results.map(\.1)
    let outputs = results.map(\.0)
    let assigned = Set(program.stores.map(\.input))
    let overwritable =
      outputs.isEmpty
      ? nil
      : inputs.indices.first { slot in
        !assigned.contains(slot) && loaded["\(inputs[slot].index)/elementwise"] != nil
          && graph[inputs[slot]].type.elementsPerItem == graph[outputs[0]].type.elementsPerItem
          && graph[inputs[slot]].type.isBatched == graph[outputs[0]].type.isBatched
      }
    let last = graph.nodes[members.last!]
    return Node(
      op: FusedElementwise(
        program: program, fused: members.map { graph.nodes[$0].op.name },
        resultTypes: outputs.map { graph[$0].type }, overwritableInput: overwritable),
      inputs: inputs, outputs: outputs, name: commonPrefix(members, graph) ?? last.name,
      location: last.location, after: Node.mergedAfter(members.map { graph.nodes[$0] }))
  }

  /// The path all members' names share (`update/fc.weight`), when they share one.
  private func commonPrefix(_ members: [Int], _ graph: Graph) -> String? {
    let prefixes = Set(
      members.map { graph.nodes[$0].name.split(separator: "/").dropLast().joined(separator: "/") })
    guard prefixes.count == 1, let prefix = prefixes.first, !prefix.isEmpty else { return nil }
    return prefix
  }

  private func describe(_ members: [Int], _ graph: Graph) -> String {
    let names = members.map { graph.nodes[$0].name }
    if let prefix = commonPrefix(members, graph), names.count > 3 {
      return "fused the \(names.count) elementwise ops of \(prefix) into one loop"
    }
    return "fused \(names.joined(separator: " + ")) into one loop"
  }
}
