import DLGLang

/// Turns the `neuralnet` section into layers wired by edges, then into graph ops, reporting
/// every independent problem (unknown layers, undefined names, cycles, shapes) in one pass.
struct NetworkLowering {
  var file: ModelFile
  var diagnostics: [Diagnostic] = []
  var graph = Graph()
  var layers: [LayerInfo] = []

  /// Elements one tensor may hold per sample (8 GiB of f32): larger is a typo, not a model.
  static let maximumElements = 1 << 31

  init(file: ModelFile) { self.file = file }

  /// A layer declaration with its resolved spec and id.
  private struct Declared {
    var decl: LayerDecl
    var id: String
    var spec: LayerSpec?
  }

  mutating func lower(_ network: NetworkSection) {
    // 1. Declarations: ids, duplicate ids, layer types.
    var declared: [Declared] = []
    var indexByID: [String: Int] = [:]
    var typeCounts: [String: Int] = [:]
    for decl in network.layers {
      let spec = LayerCatalog.spec(named: decl.type.name)
      if spec == nil {
        diagnostics.append(
          Diagnostic(
            code: "E201", "unknown layer type `\(decl.type.name)`", at: decl.type.range,
            help: closestMatch(to: decl.type.name, among: LayerCatalog.allNames).map {
              "did you mean `\($0)`?"
            } ?? "see docs/language.md for the layer types"))
      }
      let id: String
      if let given = decl.id {
        id = given.name
        if let previous = indexByID[id] {
          diagnostics.append(
            Diagnostic(
              code: "E202", "`\(id)` is declared twice", at: given.range,
              help: "rename one of them",
              notes: ["first declared at \(declared[previous].decl.range.description)"]))
          continue
        }
      } else {
        let base = decl.type.name.lowercased()
        typeCounts[base, default: 0] += 1
        id = typeCounts[base]! == 1 ? base : "\(base)_\(typeCounts[base]!)"
      }
      indexByID[id] = declared.count
      declared.append(Declared(decl: decl, id: id, spec: spec))
    }

    // 2. Edges: sequential order, or the written chains.
    var predecessors = Array(repeating: [Int](), count: declared.count)
    if network.mode == .sequential {
      for index in declared.indices.dropFirst() { predecessors[index] = [index - 1] }
    } else {
      for chain in network.chains {
        var previous: Int?
        for name in chain.nodes {
          guard let index = indexByID[name.name] else {
            diagnostics.append(
              Diagnostic(
                code: "E203", "no layer named `\(name.name)`", at: name.range,
                help: closestMatch(to: name.name, among: declared.map(\.id)).map {
                  "did you mean `\($0)`?"
                } ?? "declare it first, for example `\(name.name): Dense[10]`"))
            previous = nil
            continue
          }
          if let previous, !predecessors[index].contains(previous) {
            predecessors[index].append(previous)
          }
          previous = index
        }
      }
    }

    // 3. Order: topological, reporting a cycle with its path.
    guard let order = topologicalOrder(predecessors, declared.map(\.id), declared) else { return }

    // 4. Lower each layer once its inputs are lowered.
    var outputs = Array(repeating: ValueID?.none, count: declared.count)
    for index in order {
      let layer = declared[index]
      let inputs = predecessors[index]
      var info = LayerInfo(
        id: layer.id, type: layer.decl.type.name, argumentsText: argumentsText(layer.decl),
        label: layer.decl.label, inputs: inputs.map { declared[$0].id }, output: nil,
        outputType: nil, parameterCount: 0, family: layer.spec?.family ?? .other,
        location: layer.decl.range)
      defer { layers.append(info) }
      // Layers that only draw keep their arguments as written: there is nothing to check
      // them against until they can run.
      guard let spec = layer.spec, spec.lowering != nil else { continue }
      let (arguments, argumentErrors) = ArgumentBinder.bind(layer.decl, to: spec)
      diagnostics += argumentErrors
      guard spec.inputArity.contains(inputs.count) else {
        diagnostics.append(arityDiagnostic(layer.decl, spec: spec, count: inputs.count))
        continue
      }
      guard let lowering = spec.lowering, argumentErrors.isEmpty else { continue }
      let inputValues = inputs.compactMap { outputs[$0] }
      guard inputValues.count == inputs.count else { continue }  // an input already failed
      let valuesBefore = graph.values.count
      // The graph moves into the context and back, so appending to it never copies it.
      var context = LayerLoweringContext(
        graph: graph, layerName: layer.id, location: layer.decl.range)
      graph = Graph()
      defer { graph = context.graph }
      do {
        let output = try lowering(arguments, inputValues, &context)
        if let huge = context.graph.values[valuesBefore...].first(where: {
          ($0.type.checkedElementsPerItem ?? .max) > Self.maximumElements
        }) {
          diagnostics.append(
            Diagnostic(
              code: "E216",
              "layer `\(layer.id)` would need a tensor of shape \(huge.type.shapeDescription), "
                + "more than \(Self.maximumElements) elements per sample",
              at: layer.decl.range, help: "check the sizes: this is far beyond any machine's memory"
            ))
          continue
        }
        outputs[index] = output
        info.output = output
        info.outputType = context.graph[output].type
        // Only this layer's new values are scanned, so lowering stays linear in model size.
        info.parameterCount = context.graph.values[valuesBefore...].reduce(0) { count, value in
          if case .parameter = value.role { return count + value.type.elementsPerItem }
          return count
        }
      } catch {
        diagnostics.append(
          shapeDiagnostic(error, layer: layer.decl, inputs: inputValues, in: context.graph))
      }
    }
  }

  private mutating func topologicalOrder(
    _ predecessors: [[Int]], _ ids: [String], _ declared: [Declared]
  ) -> [Int]? {
    var state = Array(repeating: 0, count: ids.count)  // 0 new, 1 on stack, 2 done
    var order: [Int] = []
    var stack: [Int] = []
    // Iterative DFS over predecessors so deep chains cannot overflow the call stack.
    for root in ids.indices where state[root] == 0 {
      var work: [(node: Int, next: Int)] = [(root, 0)]
      state[root] = 1
      stack.append(root)
      while let top = work.last {
        let preds = predecessors[top.node]
        if top.next < preds.count {
          work[work.count - 1].next += 1
          let p = preds[top.next]
          if state[p] == 1 {
            // The stack holds p, then a predecessor of p, then a predecessor of that, ...;
            // with the edge p --> top that closes it, the cycle in edge direction is:
            let start = stack.lastIndex(of: p) ?? 0
            let path = [ids[p]] + stack[(start + 1)...].reversed().map { ids[$0] } + [ids[p]]
            diagnostics.append(
              Diagnostic(
                code: "E204",
                "the edges form a cycle: " + path.joined(separator: " --> "),
                at: declared[p].decl.range,
                help: "a model must be acyclic: remove one of these edges"))
            return nil
          }
          if state[p] == 0 {
            state[p] = 1
            stack.append(p)
            work.append((p, 0))
          }
        } else {
          state[top.node] = 2
          order.append(top.node)
          stack.removeLast()
          work.removeLast()
        }
      }
    }
    return order
  }

  private func arityDiagnostic(_ decl: LayerDecl, spec: LayerSpec, count: Int) -> Diagnostic {
    if spec.inputArity == 0...0 {
      return Diagnostic(
        code: "E211", "\(spec.name) layer `\(decl.id?.name ?? spec.name)` cannot have inputs",
        at: decl.range, help: "remove the edges that point at it")
    }
    if count == 0 {
      return Diagnostic(
        code: "E212", "layer `\(decl.id?.name ?? spec.name)` has no input", at: decl.range,
        help: "connect it with an edge such as `previous --> \(decl.id?.name ?? "it")`")
    }
    return Diagnostic(
      code: "E213",
      "\(spec.name) takes \(spec.inputArity.lowerBound == spec.inputArity.upperBound ? "\(spec.inputArity.lowerBound)" : "at least \(spec.inputArity.lowerBound)") input(s), but \(count) edges point at it",
      at: decl.range, help: "merge the inputs first with Add or Concat")
  }

  private func shapeDiagnostic(
    _ error: ShapeError, layer: LayerDecl, inputs: [ValueID], in graph: Graph
  ) -> Diagnostic {
    let inputNotes = error.notes.isEmpty ? inputs.map { "input: \(graph[$0].type)" } : error.notes
    return Diagnostic(
      code: "E301", error.message, at: layer.range, help: error.help, notes: inputNotes)
  }

  private func argumentsText(_ decl: LayerDecl) -> String {
    let text = file.source.text
    guard let first = decl.arguments.first, let last = decl.arguments.last else { return "" }
    let utf8 = Array(text.utf8)
    let start = max(0, min(first.range.start.offset, utf8.count))
    let end = max(start, min(last.range.end.offset, utf8.count))
    return String(decoding: utf8[start..<end], as: UTF8.self)
  }
}
