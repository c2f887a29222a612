import Foundation

/// An imported ONNX model written back as a `.dlg` file and its weights, so a model trained
/// elsewhere can be read, drawn, fine-tuned and edited as any other (`dlg import`). Each run of
/// dlg ops that a layer lowers to becomes that layer (`Conv2D` with its bias and ReLU, `Dense`,
/// `MaxPool2D`, `Flatten`); the file is then lowered and run against the imported graph on a
/// random batch, and written only if both agree.
public enum ONNXModelWriter {
  public struct Written: Sendable {
    /// The `.dlg` source.
    public var text: String
    /// Each weight by the name the file's layers give it, in dlg's layouts.
    public var weights: [(name: String, dimensions: [Int], values: [Float])]
  }

  public static func write(_ model: ImportedModel, title: String) throws(ONNXError) -> Written {
    var writer = Writer(model: model)
    try writer.run()
    let text =
      "%% Imported from \(title) by `dlg import`\(model.producer.isEmpty ? "" : " (written by \(model.producer))").\n"
      + "%% Add a train section to train or fine-tune it; the weights are in the .safetensors beside it.\n"
      + "neuralnet\n  title \(title)\n" + writer.lines.map { "  " + $0 }.joined(separator: "\n")
      + "\n"
    let written = Written(text: text, weights: writer.weights)
    try verify(written, against: model)
    return written
  }

  /// Lowers the text, loads the weights by name, and compares one random batch with the
  /// imported graph's outputs.
  static func verify(_ written: Written, against model: ImportedModel) throws(ONNXError) {
    let source = SourceFile(path: "imported.dlg", text: written.text)
    let (lowered, diagnostics) = ModelLowering.lower(Parser.parse(source).model)
    guard let lowered, let input = lowered.input, let output = lowered.outputs.first else {
      throw ONNXError(
        "the written model does not lower: "
          + diagnostics.map(\.message).prefix(3).joined(separator: "; "))
    }
    var data: [ValueID: [Float]] = [:]
    let byName = Dictionary(written.weights.map { ($0.name, $0.values) }) { a, _ in a }
    for value in lowered.graph.modelWeights {
      guard let values = byName[lowered.graph[value].name],
        values.count == lowered.graph[value].type.elementsPerItem
      else {
        throw ONNXError("the written model's weight `\(lowered.graph[value].name)` has no data")
      }
      data[value] = values
    }
    let batch = 2
    let count = lowered.graph[input].type.elementCount(batch: batch)
    var generator = SeededGenerator(seed: 11)
    let x = (0..<count).map { _ in Float.random(in: 0..<1, using: &generator) }
    let expected = GraphRunner(
      graph: model.graph, inputs: model.inputs.map(\.value), outputs: [model.outputs[0].value],
      weights: model.weights
    ).run([x], batchSize: batch)[0]
    let actual = GraphRunner(
      graph: lowered.graph, inputs: [input], outputs: [output], weights: data
    )
    .run([x], batchSize: batch)[0]
    let worst = zip(actual, expected).map { abs($0 - $1) }.max() ?? .infinity
    guard actual.count == expected.count, worst <= 1e-4 * max(1, expected.map(abs).max() ?? 1)
    else {
      throw ONNXError(
        "the written model differs from the ONNX graph (by \(worst)); this is a dlg bug")
    }
  }

  /// Walks the graph's nodes in order, turning runs of ops into layers.
  struct Writer {
    let model: ImportedModel
    var lines: [String] = []
    var weights: [(name: String, dimensions: [Int], values: [Float])] = []
    /// The layer id whose output is each dlg value.
    var layerOf: [ValueID: String] = [:]
    var counters: [String: Int] = [:]
    var consumed = Set<Int>()
    let readers: [ValueID: [Int]]

    init(model: ImportedModel) {
      self.model = model
      readers = model.graph.readers()
    }

    var graph: Graph { model.graph }

    mutating func id(_ base: String) -> String {
      counters[base, default: 0] += 1
      return "\(base)\(counters[base]!)"
    }

    /// The node reading `value` when it is the only reader, if it is a `T`.
    func soleReader<T: Operator>(of value: ValueID, as _: T.Type) -> Int? {
      guard let readers = readers[value], readers.count == 1, graph.nodes[readers[0]].op is T,
        !model.outputs.contains(where: { $0.value == value })
      else { return nil }
      return readers[0]
    }

    func weight(_ value: ValueID, _ what: String) throws(ONNXError) -> [Float] {
      guard let data = model.weights[value] else {
        throw ONNXError.unsupported(
          "\(what) is computed in the graph; a .dlg layer needs it as a weight")
      }
      return data
    }

    mutating func add(_ name: String, _ dims: [Int], _ values: [Float]) {
      weights.append((name, dims, values))
    }

    /// Declares a layer reading `inputs` and producing `output`.
    mutating func layer(_ id: String, _ text: String, inputs: [ValueID], output: ValueID)
      throws(ONNXError)
    {
      lines.append("\(id): \(text)")
      for input in inputs {
        guard let from = layerOf[input] else {
          throw ONNXError.unsupported("`\(graph[input].name)` is not the output of a layer")
        }
        lines.append("\(from) --> \(id)")
      }
      layerOf[output] = id
    }

    /// A ReLU that only this layer's output feeds, folded into the layer as its activation.
    mutating func activation(after value: inout ValueID) -> String {
      guard let index = soleReader(of: value, as: ReLU.self) else { return "" }
      consumed.insert(index)
      value = graph.nodes[index].outputs[0]
      return ", relu"
    }

    mutating func bias(after value: inout ValueID, _ id: String) throws(ONNXError) -> Bool {
      guard let index = soleReader(of: value, as: BiasAdd.self) else { return false }
      let node = graph.nodes[index]
      let data = try weight(node.inputs[1], "the bias of \(id)")
      add("\(id).bias", [data.count], data)
      consumed.insert(index)
      value = node.outputs[0]
      return true
    }

    mutating func run() throws(ONNXError) {
      guard model.inputs.count == 1, model.outputs.count >= 1 else {
        throw ONNXError.unsupported(
          "a model with \(model.inputs.count) inputs; a .dlg model has one Input layer")
      }
      let input = model.inputs[0].value
      let type = graph[input].type
      guard type.dtype == .float32, type.isBatched, type.shape.first == .batch else {
        throw ONNXError.unsupported(
          "the input \(type); dlg import writes models whose float input has a batch axis first")
      }
      let dims = type.shape.dropFirst().map { $0.resolved(batch: 1) }
      let inputID = "input"
      lines.append("\(inputID): Input[\(dims.map(String.init).joined(separator: ", "))]")
      layerOf[input] = inputID
      // The first output is the model's (the others, such as the probabilities dlg's own
      // exports add, are what `dlg predict` computes from it).
      let needed = ONNXExporter.neededNodes(graph, for: [model.outputs[0].value])
      for (index, node) in graph.nodes.enumerated()
      where needed.contains(index) && !consumed.contains(index) {
        try write(node)
      }
    }

    mutating func write(_ node: Node) throws(ONNXError) {
      let x = node.inputs.first
      var out = node.outputs[0]
      switch node.op {
      case let op as Conv2D:
        let id = id("conv")
        let filter = try weight(node.inputs[1], "the filter of \(node.name)")
        let shape = graph[node.inputs[1]].type.dimensions(batch: 1)
        add("\(id).weight", shape, filter)
        let hasBias = try bias(after: &out, id)
        let activation = activation(after: &out)
        let a = op.attributes
        var text = "Conv2D[\(shape[3]), \(a.kernelHeight)x\(a.kernelWidth)\(activation)"
        if a.strideHeight != 1 || a.strideWidth != 1 {
          text += ", stride: \(a.strideHeight)x\(a.strideWidth)"
        }
        if a.padding == .same { text += ", padding: same" }
        if !hasBias { text += ", bias: false" }
        try layer(id, text + "]", inputs: [x!], output: out)
      case let op as MatMul:
        guard !op.transposeA else {
          throw ONNXError.unsupported("\(node.name): a transposed input")
        }
        let id = id("dense")
        var data = try weight(node.inputs[1], "the weight of \(node.name)")
        var shape = graph[node.inputs[1]].type.dimensions(batch: 1)
        if op.transposeB {
          data = ImportContext.permuted(data, from: shape, [1, 0]).values
          shape = [shape[1], shape[0]]
        }
        add("\(id).weight", shape, data)
        let hasBias = try bias(after: &out, id)
        let activation = activation(after: &out)
        try layer(
          id, "Dense[\(shape[1])\(activation)\(hasBias ? "" : ", bias: false")]", inputs: [x!],
          output: out)
      case let op as Pool2D:
        let w = op.window
        var text = "\(op.kind.rawValue)[\(w.kernelHeight)x\(w.kernelWidth)"
        if w.strideHeight != w.kernelHeight || w.strideWidth != w.kernelWidth {
          text += ", stride: \(w.strideHeight)x\(w.strideWidth)"
        }
        if w.padding == .same { text += ", padding: same" }
        try layer(id("pool"), text + "]", inputs: [x!], output: out)
      case is ReLU:
        try layer(id("relu"), "ReLU", inputs: [x!], output: out)
      case let op as SmoothActivation:
        let name = op.kind == .sigmoid ? "sigmoid" : "tanh"
        try layer(id(name), "Activation[\(name)]", inputs: [x!], output: out)
      case is Softmax:
        try layer(id("softmax"), "Softmax", inputs: [x!], output: out)
      case let op as Reshape:
        let fixed = op.shape.dropFirst().map { $0.resolved(batch: 1) }
        guard op.shape.first == .batch, !op.shape.dropFirst().contains(.batch) else {
          throw ONNXError.unsupported("\(node.name): a reshape of the batch axis")
        }
        let text =
          fixed.count == 1
          ? "Flatten" : "Reshape[\(fixed.map(String.init).joined(separator: ", "))]"
        try layer(id(fixed.count == 1 ? "flatten" : "reshape"), text, inputs: [x!], output: out)
      case let op as Transpose:
        guard op.permutation.first == 0 else {
          throw ONNXError.unsupported("\(node.name): a transpose of the batch axis")
        }
        let axes = op.permutation.dropFirst().map(String.init).joined(separator: ", ")
        try layer(id("transpose"), "Transpose[\(axes)]", inputs: [x!], output: out)
      case let op as BatchNorm:
        let id = id("batchnorm")
        for (index, suffix) in [(1, "gamma"), (2, "beta"), (3, "running_mean"), (4, "running_var")]
        {
          let data = try weight(node.inputs[index], "the \(suffix) of \(node.name)")
          add("\(id).\(suffix)", [data.count], data)
        }
        try layer(id, "BatchNorm[epsilon: \(op.epsilon)]", inputs: [x!], output: out)
      case let op as LayerNorm where op.centered:
        let id = id("layernorm")
        for (index, suffix) in [(1, "gamma"), (2, "beta")] {
          let data = try weight(node.inputs[index], "the \(suffix) of \(node.name)")
          add("\(id).\(suffix)", [data.count], data)
        }
        try layer(id, "LayerNorm[epsilon: \(op.epsilon)]", inputs: [x!], output: out)
      case is Add where node.inputs.allSatisfy({ model.weights[$0] == nil }):
        try layer(id("add"), "Add", inputs: node.inputs, output: out)
      case is Multiply where node.inputs.allSatisfy({ model.weights[$0] == nil }):
        try layer(id("multiply"), "Multiply", inputs: node.inputs, output: out)
      case let op as Concat
      where op.axis == -1 || op.axis == graph[node.inputs[0]].type.rank - 1:
        try layer(id("concat"), "Concat", inputs: node.inputs, output: out)
      default:
        throw ONNXError.unsupported(
          "\(node.name) (\(node.op.name)) has no .dlg layer to write; "
            + "`dlg predict` and `dlg bench` run the .onnx file as it is")
      }
    }
  }
}
