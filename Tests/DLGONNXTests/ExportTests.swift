import DLG
import DLGTestSupport
import Foundation
import Testing

/// Every model in graphs/, after two training steps on random data, exports to ONNX; the file
/// imports back into dlg and gives the same outputs. With DLG_ONNX_CHECK_DIR set, each model,
/// its inputs and dlg's outputs are also written there, for scripts/onnx-runtime-check.sh to
/// compare with ONNX Runtime.
@Suite struct ExportTests {
  static let graphsFolder = ExampleModels.folder

  /// Layers no example in graphs/ uses, exported the same way: padded sequences (masked
  /// attention and pooling) and group normalization.
  static let extraModels: [String: String] = [
    "masked_attention": """
    neuralnet
      words: i32[N, 12]
      embed: Embedding[50, 8, mask_zero: true]
      attn:  MultiHeadAttention[2]
      pool:  GlobalAvgPool1D
      out:   Dense[1]
      words --> embed --> attn --> pool --> out
    train
      data text("none.tsv", vocabulary: 50, length: 12)
      loss binary_cross_entropy(out, labels)
    """,
    "masked_max_pool": """
    neuralnet
      words: i32[N, 10]
      embed: Embedding[40, 6, mask_zero: true]
      pool:  GlobalMaxPool1D
      out:   Dense[3]
      words --> embed --> pool --> out
    train
      data text("none.tsv", vocabulary: 40, length: 10)
      loss softmax_cross_entropy(out, labels)
    """,
    "group_norm": """
    neuralnet
      image: Input[8, 8, 3]
      conv:  Conv2D[4, 3x3]
      gn:    GroupNorm[2]
      flat:  Flatten
      out:   Dense[3]
      image --> conv --> gn --> flat --> out
    train
      data idx("none", split: "train")
      loss softmax_cross_entropy(out, labels)
    """,
  ]

  static func load(_ file: String) throws -> Model {
    if let text = extraModels[file] {
      let lowered = ModelLowering.lower(Parser.parse(SourceFile(path: file, text: text)).model)
      return try #require(lowered.model, "\(lowered.diagnostics)")
    }
    let path = graphsFolder.appendingPathComponent(file).path
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let loaded = ModuleLoader(libraryPaths: ModuleLoader.defaultLibraryPaths(for: path))
      .load(SourceFile(path: path, text: text))
    return try #require(ModelLowering.lower(loaded.file).model)
  }

  /// Random inputs of the model's type: values in [0, 1), or ids the embedding table has.
  static func inputs(for model: Model, batch: Int) -> [Float] {
    let input = model.input!
    let type = model.graph[input].type
    var generator = SeededGenerator(seed: 7)
    let count = type.elementCount(batch: batch)
    guard type.dtype == .int32 else {
      return (0..<count).map { _ in Float.random(in: 0..<1, using: &generator) }
    }
    let rows =
      model.graph.nodes.first { $0.op is EmbeddingLookup }
      .map { model.graph[$0.inputs[1]].type.dimensions(batch: 1)[0] } ?? 2
    // Ids, each sample ending in padding (id 0) of its own length, which masks must hide.
    let length = type.elementsPerItem
    return (0..<count).map { i in
      let (sample, step) = (i / length, i % length)
      return step >= length - sample % 4 ? 0 : Float(Int.random(in: 1..<rows, using: &generator))
    }
  }

  @Test(arguments: ExampleModels.files + extraModels.keys.sorted())
  func exportsAndImportsBack(file: String) throws {
    let model = try Self.load(file)
    guard model.training != nil, ModelLowering.nonExecutableLayers(model).isEmpty,
      let input = model.input, model.loss != nil
    else { return }
    // Two steps of training, so the weights are not the initial ones.
    let trainer = try Trainer(model: model)
    let plan = trainer.trainingPlan(batchSize: 4)
    var generator = SeededGenerator(seed: 3)
    for step in 1...2 {
      let buffer = try #require(plan.buffer(input))
      let values = Self.inputs(for: model, batch: 4)
      for i in 0..<buffer.count {
        if buffer.dtype == .int32 {
          buffer.ints[i] = Int32(values[i])
        } else {
          buffer.floats[i] = values[i]
        }
      }
      if let labels = model.labels.flatMap(plan.buffer) {
        for i in 0..<labels.count {
          if labels.dtype == .int32 {
            labels.ints[i] = Int32(i % 2)
          } else {
            labels.floats[i] = Float(i % 2)
          }
        }
      }
      if let targets = model.targets.flatMap(plan.buffer) {
        for i in 0..<targets.count {
          targets.floats[i] = Float.random(in: 0..<1, using: &generator)
        }
      }
      plan.run(RuntimeContext(step: step, training: true))
    }
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("dlg-export-\(getpid())-\(file)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let weights = folder + "/weights.safetensors"
    try SafeTensors.write(
      model.graph.modelWeights.compactMap { value in
        trainer.store.buffer(value).map {
          SafeTensors.Entry(name: model.graph[value].name, buffer: $0)
        }
      }, to: weights)

    let proto = try ModelExport.onnx(model: model, weights: weights, options: ONNXExportOptions())
    #expect(proto.producerName == "dlg")
    #expect(proto.graph.input.first?.type.tensorType.shape.dim.first?.dimParam == "N")

    // dlg's own forward pass on the model's graph, with the trained weights.
    var data: [ValueID: [Float]] = [:]
    for value in model.graph.modelWeights {
      let buffer = try #require(trainer.store.buffer(value))
      data[value] = Array(UnsafeBufferPointer(start: buffer.floats, count: buffer.count))
    }
    let output = try #require(model.outputs.first)
    let reference = GraphRunner(
      graph: model.graph, inputs: [input], outputs: [output], weights: data)
    let batch = 3
    let x = Self.inputs(for: model, batch: batch)
    let expected = reference.run([x], batchSize: batch)[0]

    if let check = ProcessInfo.processInfo.environment["DLG_ONNX_CHECK_DIR"] {
      // The default opset, and the newest two rewrites start at (Gelu at 20; reduction axes
      // as inputs at 18) up to the newest dlg writes.
      let base = file.hasSuffix(".dlg") ? String(file.dropLast(4)) : file
      for opset in [17, 20, 26] as [Int64] {
        var options = ONNXExportOptions()
        options.opset = opset
        let name = opset == 17 ? base : "\(base).opset\(opset)"
        let file = try ModelExport.onnx(model: model, weights: weights, options: options)
        try ONNXFile.write(file, to: "\(check)/\(name).onnx")
        let type = model.graph[input].type
        try NPY.write(
          path: "\(check)/\(name).input.npy", shape: type.dimensions(batch: batch), values: x)
        let outType = model.graph[output].type
        try NPY.write(
          path: "\(check)/\(name).output.npy", shape: outType.dimensions(batch: batch),
          values: expected)
      }
    }

    // Back into dlg through the importer: the same numbers.
    // Masks and group normalization export as compositions (Equal, Where, reductions) that
    // dlg's importer does not read back; ONNX Runtime checks those files.
    if Self.extraModels[file] != nil { return }
    let imported = try ONNXModel(proto)
    let actual = try imported.run([x])[0]
    #expect(actual.count == expected.count)
    let worst = zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
    #expect(worst <= 1e-4, "\(file): outputs differ by \(worst)")
  }
}
