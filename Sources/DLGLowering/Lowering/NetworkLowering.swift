import DLGGraph
import DLGLang

/// Turns the `neuralnet` section into layers wired by edges, then into graph ops, reporting
/// every independent problem (unknown layers, undefined names, cycles, shapes) in one pass.
/// Blocks are inlined where they are used: their layers get qualified ids (`b1.conv`) and
/// remember the block instance they belong to, so diagrams can draw them as clusters.
struct NetworkLowering {
  var file: ModelFile
  var diagnostics: [Diagnostic] = []
  var graph = Graph()
  var layers: [LayerInfo] = []
  /// Top-level layer and block ids → their output value (what a loss may name).
  var namedOutputs: [String: ValueID] = [:]
  /// The padding mask `[N, T]` of each sequence value that has one (`mask_zero`).
  var paddingMasks: [ValueID: ValueID] = [:]
  var blockInstances: [BlockInstance] = []
  let blocks: [String: BlockDecl]
  /// The train stage being lowered: layers marked `stage:` for others pass their input
  /// through. Nil for inference and diagrams, where every such layer passes it through.
  var stage: String?
  /// Frozen parameters and rate multipliers, from `trainable:` and `lr_mult:`.
  var parameterTraining = ParameterTraining()
  /// Every `stage:` written, to check the names against the train sections.
  var stageReferences: [(name: String, range: SourceRange)] = []

  /// Elements one tensor may hold per sample (8 GiB of f32): larger is a typo, not a model.
  static let maximumElements = 1 << 31
  /// Repetitions and block nesting beyond these are mistakes, not models.
  static let maximumRepeat = 10_000
  static let maximumBlockDepth = 32
  /// Layers a model may have once blocks and repetitions are expanded: a few nested `* 100`
  /// would otherwise expand to 10⁸ layers and gigabytes before any error.
  static let maximumLayers = 100_000
  /// Layers lowered so far, every copy counted.
  var layerCount = 0
  /// Each block's layer count with its own repetitions, for the check before expanding it.
  var blockSizes: [String: Int] = [:]

  init(file: ModelFile) {
    self.file = file
    var table: [String: BlockDecl] = [:]
    for block in file.blocks where table[block.name.name] == nil { table[block.name.name] = block }
    blocks = table
  }

  /// Where a section is being lowered: the top level, or inside a block instance.
  struct Scope {
    /// Prepended to layer ids (`b1.`).
    var prefix = ""
    /// The block instances enclosing this section, outermost first.
    var blockPath: [String] = []
    /// Values of the block's parameters.
    var environment: [String: Constant] = [:]
    /// The block's input (value and the qualified id of the layer producing it).
    var input: (value: ValueID, layer: String)?
    /// Names of the blocks being expanded, to refuse a block that uses itself.
    var expanding: [String] = []
  }

  /// A layer declaration with its resolved kind and id.
  private struct Declared {
    var decl: LayerDecl
    var id: String
    var spec: LayerSpec?
    var block: BlockDecl?
    var options = LayerTrainingOptions()
  }

  mutating func lower(_ network: NetworkSection) {
    var scope = Scope()
    scope.environment = constants
    _ = lowerSection(network, scope: scope)
  }

  /// The file's `let` constants, each evaluated with the ones before it.
  private(set) var constants: [String: Constant] = [:]

  mutating func evaluateConstants() {
    for decl in file.constants {
      if constants[decl.name.name] != nil {
        diagnostics.append(
          Diagnostic(
            code: "E219", "the constant `\(decl.name.name)` is defined twice", at: decl.name.range,
            help: "rename one of them"))
        continue
      }
      do {
        constants[decl.name.name] = try ConstantEvaluator.evaluate(decl.value, constants)
      } catch {
        diagnostics.append(error)
      }
    }
  }

  /// Lowers one section; returns its output (the block output for blocks) and the qualified id
  /// of the layer producing it.
  private mutating func lowerSection(_ network: NetworkSection, scope: Scope)
    -> (value: ValueID, layer: String)?
  {
    // 1. Declarations: ids, duplicate ids, layer types.
    var declared: [Declared] = []
    var indexByID: [String: Int] = [:]
    var typeCounts: [String: Int] = [:]
    for written in network.layers {
      let (unwrapped, wrapperError) = LayerWrappers.unwrap(written)
      if let wrapperError { diagnostics.append(wrapperError) }
      let (decl, options, optionErrors) = LayerTrainingOptions.split(unwrapped)
      diagnostics += optionErrors
      if let range = options.stageRange {
        stageReferences += options.stages.map { ($0, range) }
      }
      let spec = LayerCatalog.spec(named: decl.type.name)
      let block = spec == nil ? blocks[decl.type.name] : nil
      if spec == nil, block == nil {
        // The canonical name of the nearest spelling (`Dense`, not `Linear`).
        let suggestion = closestMatch(
          to: decl.type.name, among: LayerCatalog.allNames + blocks.keys.sorted()
        ).map { LayerCatalog.spec(named: $0)?.name ?? $0 }
        diagnostics.append(
          Diagnostic(
            code: "E201", "unknown layer type `\(decl.type.name)`", at: decl.type.range,
            help: suggestion.map { "did you mean `\($0)`?" }
              ?? "see docs/language.md for the layer types", replacement: suggestion))
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
      declared.append(Declared(decl: decl, id: id, spec: spec, block: block, options: options))
    }

    // 2. Edges: sequential order, or the written chains. Index -1 is the block's input.
    var predecessors = Array(repeating: [Int](), count: declared.count)
    if network.mode == .sequential {
      for index in declared.indices.dropFirst() { predecessors[index] = [index - 1] }
      if scope.input != nil, !declared.isEmpty { predecessors[0] = [-1] }
    } else {
      for chain in network.chains {
        var previous: Int?
        for name in chain.nodes {
          let index: Int
          if scope.input != nil, name.name == "in", indexByID["in"] == nil {
            index = -1
          } else if let found = indexByID[name.name] {
            index = found
          } else {
            let suggestion = closestMatch(to: name.name, among: declared.map(\.id))
            diagnostics.append(
              Diagnostic(
                code: "E203", "no layer named `\(name.name)`", at: name.range,
                help: suggestion.map { "did you mean `\($0)`?" }
                  ?? "declare it first, for example `\(name.name): Dense[10]`",
                replacement: suggestion))
            previous = nil
            continue
          }
          if let previous, index >= 0, !predecessors[index].contains(previous) {
            predecessors[index].append(previous)
          }
          previous = index
        }
      }
    }

    // 3. Order: topological, reporting a cycle with its path.
    let internalPredecessors = predecessors.map { $0.filter { $0 >= 0 } }
    guard
      let order = topologicalOrder(internalPredecessors, declared.map(\.id), declared.map(\.decl))
    else { return nil }

    // 4. Lower each layer once its inputs are lowered.
    var outputs = Array(repeating: (value: ValueID, layer: String)?.none, count: declared.count)
    for index in order {
      let layer = declared[index]
      let inputs = predecessors[index].map { $0 < 0 ? scope.input : outputs[$0] }
      let inputLayers = predecessors[index].map {
        $0 < 0
          ? (scope.input?.layer ?? "in") : (outputs[$0]?.layer ?? scope.prefix + declared[$0].id)
      }
      let qualified = scope.prefix + layer.id
      let count = repeatCount(layer.decl, scope)
      let valuesBefore = graph.values.count
      if !layer.options.stages.isEmpty, !layer.options.stages.contains(stage ?? "") {
        outputs[index] = passThrough(
          layer, id: qualified, inputs: inputs, inputLayers: inputLayers, scope: scope)
      } else if let block = layer.block {
        outputs[index] = lowerBlockUse(
          block, layer, qualified: qualified, inputs: inputs, inputLayers: inputLayers,
          repeat: count, scope: scope)
      } else {
        var current = inputs
        var currentLayers = inputLayers
        for copy in 1...max(count, 1) {
          let id = count > 1 ? "\(qualified).\(copy)" : qualified
          guard
            let output = lowerLayer(
              layer, id: id, inputs: current, inputLayers: currentLayers, scope: scope)
          else {
            current = []
            break
          }
          current = [(output, id)]
          currentLayers = [id]
          outputs[index] = (output, id)
        }
        if current.isEmpty { outputs[index] = nil }
      }
      let created = (valuesBefore..<graph.values.count).map(ValueID.init).filter {
        if case .parameter = graph[$0].role { return true }
        return false
      }
      layer.options.apply(to: created, &parameterTraining)
      if scope.blockPath.isEmpty, let output = outputs[index] {
        namedOutputs[layer.id] = output.value
      }
    }
    // A block's output: its layer named `out`, or else its last layer.
    let outIndex = indexByID["out"] ?? (declared.isEmpty ? nil : declared.count - 1)
    return outIndex.flatMap { outputs[$0] }
  }

  /// A layer of another train stage: drawn as written, its input passed on unchanged.
  private mutating func passThrough(
    _ layer: Declared, id: String, inputs: [(value: ValueID, layer: String)?],
    inputLayers: [String], scope: Scope
  ) -> (value: ValueID, layer: String)? {
    guard inputs.count == 1, let input = inputs[0] else {
      if inputs.count != 1 {
        diagnostics.append(
          Diagnostic(
            code: "E225", "a layer with `stage:` takes one input, to pass on in other stages",
            at: layer.decl.range, help: "mark a one-input layer such as Dropout or GaussianNoise"))
      }
      return nil
    }
    var info = LayerInfo(
      id: id, type: layer.decl.type.name, argumentsText: file.argumentsText(of: layer.decl),
      label: layer.decl.label, inputs: inputLayers, output: input.value,
      outputType: graph[input.value].type, parameterCount: 0,
      family: layer.spec?.family ?? .other, location: layer.decl.range)
    info.blockPath = scope.blockPath
    layers.append(info)
    return (input.value, id)
  }

  /// The `* N` of a layer, checked (1 when absent or wrong, after reporting it).
  private mutating func repeatCount(_ decl: LayerDecl, _ scope: Scope) -> Int {
    guard let expression = decl.repeatCount else { return 1 }
    guard case .integer(let n)? = try? ConstantEvaluator.evaluate(expression, scope.environment),
      n >= 1, n <= Self.maximumRepeat
    else {
      diagnostics.append(
        Diagnostic(
          code: "E218", "a layer can be repeated 1 to \(Self.maximumRepeat) times",
          at: expression.range, help: "write a positive integer after `*`"))
      return 1
    }
    return n
  }

  /// One use of a block: its body inlined `count` times in a chain.
  private mutating func lowerBlockUse(
    _ block: BlockDecl, _ layer: Declared, qualified: String,
    inputs: [(value: ValueID, layer: String)?],
    inputLayers: [String], repeat count: Int, scope: Scope
  ) -> (value: ValueID, layer: String)? {
    guard !scope.expanding.contains(block.name.name) else {
      diagnostics.append(
        Diagnostic(
          code: "E217",
          "block `\(block.name.name)` uses itself: "
            + (scope.expanding + [block.name.name]).joined(separator: " → "),
          at: layer.decl.type.range, help: "a block cannot contain itself"))
      return nil
    }
    guard scope.expanding.count < Self.maximumBlockDepth else {
      diagnostics.append(
        Diagnostic(
          code: "E217",
          "blocks nest more than \(Self.maximumBlockDepth) deep here: "
            + (scope.expanding.prefix(3) + ["…", block.name.name]).joined(separator: " → "),
          at: layer.decl.type.range,
          help: "use fewer levels of blocks inside blocks"))
      return nil
    }
    // Arguments first, so their mistakes are reported even when an input already failed.
    let environment = bindBlockArguments(block, layer.decl, scope)
    guard inputs.count == 1, let input = inputs[0] else {
      if inputs.count != 1 {
        diagnostics.append(
          Diagnostic(
            code: "E213",
            "block `\(block.name.name)` takes one input, but \(inputs.count) edges point at it",
            at: layer.decl.range, help: "merge the inputs first with Add"))
      }
      return nil
    }
    guard let environment else { return nil }
    let (expanded, overflows) = max(count, 1).multipliedReportingOverflow(
      by: blockSize(block, depth: scope.expanding.count))
    guard !overflows, layerCount + expanded <= Self.maximumLayers else {
      diagnostics.append(
        layerCapDiagnostic(at: layer.decl.range, adding: overflows ? nil : expanded))
      layerCount = Self.maximumLayers + 1
      return nil
    }
    var current: (value: ValueID, layer: String)? = (input.value, inputLayers[0])
    for copy in 1...max(count, 1) {
      guard let incoming = current else { return nil }
      let instance = count > 1 ? "\(qualified).\(copy)" : qualified
      blockInstances.append(
        BlockInstance(id: instance, type: block.name.name, parent: scope.blockPath.last))
      var inner = Scope()
      inner.prefix = instance + "."
      inner.blockPath = scope.blockPath + [instance]
      inner.environment = environment
      inner.input = incoming
      inner.expanding = scope.expanding + [block.name.name]
      current = lowerSection(block.body, scope: inner)
    }
    return current
  }

  /// The block's parameters bound to the use's arguments, evaluated in the caller's scope.
  private mutating func bindBlockArguments(_ block: BlockDecl, _ decl: LayerDecl, _ scope: Scope)
    -> [String: Constant]?
  {
    var environment: [String: Constant] = [:]
    var next = 0
    var ok = true
    for argument in decl.arguments {
      let name: String
      if let label = argument.label {
        guard block.parameters.contains(where: { $0.name.name == label.name }) else {
          let names = block.parameters.map(\.name.name)
          let suggestion = closestMatch(to: label.name, among: names)
          diagnostics.append(
            Diagnostic(
              code: "E205", "block `\(block.name.name)` has no parameter `\(label.name)`",
              at: label.range,
              help: suggestion.map { "did you mean `\($0)`?" }
                ?? "its parameters are: \(names.joined(separator: ", "))",
              replacement: suggestion))
          ok = false
          continue
        }
        name = label.name
      } else {
        guard next < block.parameters.count else {
          diagnostics.append(
            Diagnostic(
              code: "E208", "too many arguments for block `\(block.name.name)`",
              at: argument.range,
              help: "it takes (" + block.parameters.map(\.name.name).joined(separator: ", ") + ")"))
          ok = false
          continue
        }
        name = block.parameters[next].name.name
        next += 1
      }
      do {
        environment[name] = try ConstantEvaluator.evaluate(argument.value, scope.environment)
      } catch {
        diagnostics.append(error)
        ok = false
      }
    }
    for parameter in block.parameters where environment[parameter.name.name] == nil {
      if let value = parameter.defaultValue,
        let constant = try? ConstantEvaluator.evaluate(value, constants)
      {
        environment[parameter.name.name] = constant
      } else {
        diagnostics.append(
          Diagnostic(
            code: "E206", "block `\(block.name.name)` needs a value for `\(parameter.name.name)`",
            at: decl.range,
            help: "it takes (" + block.parameters.map(\.name.name).joined(separator: ", ") + ")"))
        ok = false
      }
    }
    return ok ? environment : nil
  }

  /// The layers a block expands to with the repetitions written as numbers inside it (a
  /// repetition by a block parameter counts once: lowering counts every copy anyway).
  private mutating func blockSize(_ block: BlockDecl, depth: Int) -> Int {
    if let known = blockSizes[block.name.name] { return known }
    guard depth < Self.maximumBlockDepth else { return 1 }
    blockSizes[block.name.name] = 1  // a block that uses itself is reported elsewhere
    var total = 0
    for decl in block.body.layers {
      var copies = 1
      if let expression = decl.repeatCount,
        case .integer(let n)? = try? ConstantEvaluator.evaluate(expression), n >= 1
      {
        copies = min(n, Self.maximumRepeat)
      }
      let inner = blocks[decl.type.name].map { blockSize($0, depth: depth + 1) } ?? 1
      let (size, overflows) = copies.multipliedReportingOverflow(by: inner)
      total = overflows ? Int.max : min(Int.max - size, total) + size
    }
    blockSizes[block.name.name] = max(total, 1)
    return max(total, 1)
  }

  private func layerCapDiagnostic(at range: SourceRange, adding: Int?, inBlock: Bool = true)
    -> Diagnostic
  {
    Diagnostic(
      code: "E224",
      "the model expands to more than \(Self.maximumLayers) layers"
        + (adding.map { " (this use adds \($0))" } ?? ""),
      at: range,
      help: inBlock
        ? "blocks and `* N` multiply: check the repetition counts"
        : "dlg builds at most \(Self.maximumLayers) layers: split the model into smaller ones")
  }

  /// One catalog layer: arguments checked, ops appended, its `LayerInfo` recorded.
  private mutating func lowerLayer(
    _ layer: Declared, id: String, inputs: [(value: ValueID, layer: String)?],
    inputLayers: [String],
    scope: Scope
  ) -> ValueID? {
    layerCount += 1
    if layerCount == Self.maximumLayers + 1 {
      diagnostics.append(
        layerCapDiagnostic(
          at: layer.decl.range, adding: nil, inBlock: !scope.expanding.isEmpty))
    }
    guard layerCount <= Self.maximumLayers else { return nil }
    var info = LayerInfo(
      id: id, type: layer.decl.type.name, argumentsText: file.argumentsText(of: layer.decl),
      label: layer.decl.label, inputs: inputLayers, output: nil, outputType: nil,
      parameterCount: 0, family: layer.spec?.family ?? .other, location: layer.decl.range,
      blockPath: scope.blockPath)
    defer { layers.append(info) }
    // Layers that only draw keep their arguments as written: there is nothing to check
    // them against until they can run.
    guard let spec = layer.spec, spec.lowering != nil else { return nil }
    let (arguments, argumentErrors) = ArgumentBinder.bind(
      layer.decl, to: spec, environment: scope.environment)
    diagnostics += argumentErrors
    guard spec.inputArity.contains(inputs.count) else {
      diagnostics.append(arityDiagnostic(layer.decl, spec: spec, count: inputs.count))
      return nil
    }
    guard let lowering = spec.lowering, argumentErrors.isEmpty else { return nil }
    let inputValues = inputs.compactMap { $0?.value }
    guard inputValues.count == inputs.count else { return nil }  // an input already failed
    let valuesBefore = graph.values.count
    // The graph moves into the context and back, so appending to it never copies it.
    var context = LayerLoweringContext(graph: graph, layerName: id, location: layer.decl.range)
    context.inputMasks = inputValues.map { paddingMasks[$0] }
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
            "layer `\(id)` would need a tensor of shape \(huge.type.shapeDescription), "
              + "more than \(Self.maximumElements) elements per sample",
            at: layer.decl.range, help: "check the sizes: this is far beyond any machine's memory"))
        return nil
      }
      if let mask = context.outputMask ?? inheritedMask(inputValues, output, context.graph) {
        paddingMasks[output] = mask
      }
      info.output = output
      info.outputType = context.graph[output].type
      // Only this layer's new values are scanned, so lowering stays linear in model size.
      info.parameterCount = context.graph.values[valuesBefore...].reduce(0) { count, value in
        if case .parameter = value.role { return count + value.type.elementsPerItem }
        return count
      }
      return output
    } catch {
      diagnostics.append(
        shapeDiagnostic(error, layer: layer.decl, inputs: inputValues, in: context.graph))
      return nil
    }
  }

  /// A layer that keeps its first input's steps (`[N, T, ...]` in, `[N, T, ...]` out: Dense,
  /// LayerNorm, Dropout, Add, attention, a recurrent layer returning sequences) keeps its
  /// padding mask; one that pools or reshapes the steps away ends it.
  private func inheritedMask(_ inputs: [ValueID], _ output: ValueID, _ graph: Graph) -> ValueID? {
    guard let first = inputs.first, let mask = paddingMasks[first] else { return nil }
    let (input, result) = (graph[first].type, graph[output].type)
    guard input.rank == 3, result.rank == 3, input.shape[1] == result.shape[1] else { return nil }
    return mask
  }

  private mutating func topologicalOrder(
    _ predecessors: [[Int]], _ ids: [String], _ declared: [LayerDecl]
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
                at: declared[p].range,
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
    _ error: GraphError, layer: LayerDecl, inputs: [ValueID], in graph: Graph
  ) -> Diagnostic {
    let inputNotes = error.notes.isEmpty ? inputs.map { "input: \(graph[$0].type)" } : error.notes
    return Diagnostic(
      code: "E301", error.message, at: layer.range, help: error.help, notes: inputNotes)
  }
}
