import DLG
import DLGKernels
import DLGTestData
import Foundation
import Testing

/// int8 weights (`dlg quantize`): the format, the quantizer, and predicting with the result.
@Suite struct QuantizationTests {
  static let model = """
    neuralnet
      x: Input[6, 6, 1]
      c: Conv2D[4, 3x3, relu]
      f: Flatten
      h: Dense[8, relu]
      o: Dense[3]
      x --> c --> f --> h --> o
    train
      loss softmax_cross_entropy(o, labels)
    """

  func lowered(_ text: String = model) throws -> Model {
    try #require(
      ModelLowering.lower(Parser.parse(SourceFile(path: "m.dlg", text: text)).model).model)
  }

  func folder() throws -> String {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("dlg-quantize-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  /// Each channel's largest weight is exact, every other is off by at most half its step.
  @Test func channelsAreQuantizedSymmetricallyWithTheirOwnScale() {
    var random = SeededGenerator(seed: 3)
    let shape = [5, 3]  // [in, out]: channels on axis 1
    // Channel 1 is 100× larger than channel 0; channel 2 is all zero.
    let values = (0..<15).map { i -> Float in
      let uniform = Float(random.next() % 2001) / 1000 - 1
      return [uniform, 100 * uniform, 0][i % 3]
    }
    let q = Int8Weights.quantize(values, shape: shape, axis: 1)
    #expect(q.scaleShape == [1, 3])
    #expect(q.scales[2] == 0)
    for channel in 0..<3 {
      let column = stride(from: channel, to: 15, by: 3).map { values[$0] }
      let largest = column.map(abs).max()!
      #expect(q.scales[channel] == largest / 127)
      for (row, value) in column.enumerated() {
        let int = Int8(bitPattern: q.bytes[row * 3 + channel])
        #expect(abs(Float(int) * q.scales[channel] - value) <= q.scales[channel] / 2 * 1.0001)
        if largest > 0, abs(value) == largest { #expect(abs(int) == 127) }
      }
    }
  }

  @Test func theOutputAxisOfEachWeightIsFound() throws {
    let axes = WeightQuantizer.channelAxes(of: try lowered().graph)
    #expect(axes == ["c.weight": 3, "h.weight": 1, "o.weight": 1])
  }

  /// Quantized weights predict as the f32 ones do, in a file about 4× smaller.
  @Test func aQuantizedFilePredictsLikeTheOriginal() throws {
    let dir = try folder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let model = try lowered()
    let trainer = try Trainer(model: model, overrides: TrainingOverrides(seed: 2))
    let f32 = dir + "/w.safetensors"
    try trainer.saveWeights(to: f32)
    let result = try WeightQuantizer.quantize(model: model, weights: f32)
    #expect(result.layers.map(\.name) == ["c.weight", "h.weight", "o.weight"])
    #expect(result.keptNames == ["c.bias", "h.bias", "o.bias"])
    #expect(result.layers.allSatisfy { $0.relativeError <= 0.5 / 127 * 1.001 })
    let int8 = dir + "/w.int8.safetensors"
    try Data(result.bytes).write(to: URL(fileURLWithPath: int8))

    let (tensors, metadata) = try SafeTensors.readFile(int8)
    #expect(metadata[Int8Weights.metadataKey] == Int8Weights.metadataValue)
    #expect(metadata["format"] == "dlg")
    #expect(tensors["h.weight"]?.dtype == "I8" && tensors["h.bias"]?.dtype == "F32")
    #expect(!tensors.keys.contains { $0.hasSuffix(Int8Weights.scaleSuffix) })
    let original = try SafeTensors.read(f32)
    for (name, tensor) in original {
      let read = try #require(tensors[name])
      #expect(read.shape == tensor.shape)
      let largest = tensor.values.map(abs).max() ?? 0
      for (a, b) in zip(read.values, tensor.values) { #expect(abs(a - b) <= largest / 254 + 1e-7) }
    }

    var random = SeededGenerator(seed: 9)
    let samples = Dataset(
      features: (0..<(20 * 36)).map { _ in Float(random.next() % 256) / 255 },
      sampleShape: [6, 6, 1],
      labels: [Int32](repeating: 0, count: 20))
    let expected = try Predictor(model: model, weights: f32).predictions(for: samples)
    let quantized = try Predictor(model: model, weights: int8)
    // Batches of 256 run sgemm on the dequantized weights; of 1 and 3, the int8 panels.
    for batch in [256, 1, 3] {
      let actual = quantized.predictions(for: samples, batchSize: batch)
      #expect(actual.count == expected.count)
      let difference = zip(expected, actual).map { abs($0 - $1) }.max()!
      #expect(difference < 0.02, "batch \(batch): largest probability difference \(difference)")
    }
  }

  /// Few rows against int8 weights read the int8 form: with the f32 copy of the Dense weights
  /// zeroed, a store whose weights are fixed predicts as before at batch 1, and one that is
  /// not (as training needs) reads the zeros. Batches past `PanelMatrix.maximumRows` read f32.
  @Test func smallBatchesReadTheInt8Weights() throws {
    let dir = try folder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let model = try lowered()
    try Trainer(model: model, overrides: TrainingOverrides(seed: 5)).saveWeights(
      to: dir + "/w.safetensors")
    let int8 = dir + "/q.safetensors"
    try Data(WeightQuantizer.quantize(model: model, weights: dir + "/w.safetensors").bytes)
      .write(to: URL(fileURLWithPath: int8))
    var random = SeededGenerator(seed: 8)
    // More samples than the largest batch below, so that batch is not cut to the data.
    let samples = PanelMatrix.maximumRows + 2
    let data = Dataset(
      features: (0..<(samples * 36)).map { _ in Float(random.next() % 256) / 255 },
      sampleShape: [6, 6, 1], labels: (0..<samples).map { Int32($0 % 3) })
    func losses(fixed: Bool, batch: Int) throws -> (before: Double, zeroed: Double) {
      let trainer = try Trainer(model: model, overrides: TrainingOverrides(batchSize: batch))
      trainer.store.weightsAreFixed = fixed
      try trainer.loadWeights(from: int8)
      let before = trainer.evaluate(on: data).loss
      for name in ["h.weight", "o.weight"] {
        let value = try #require(model.graph.modelWeights.first { model.graph[$0].name == name })
        #expect((trainer.store.panels(value)?.isInt8 == true) == fixed)
        let buffer = try #require(trainer.store.buffer(value))
        buffer.floats.update(repeating: 0, count: buffer.count)
      }
      return (before, trainer.evaluate(on: data).loss)
    }
    let kept = try losses(fixed: true, batch: 1)
    #expect(kept.before == kept.zeroed)
    let f32 = try losses(fixed: false, batch: 1)
    #expect(abs(f32.before - kept.before) < 1e-5)
    #expect(f32.zeroed != f32.before)
    let large = try losses(fixed: true, batch: PanelMatrix.maximumRows + 1)
    #expect(abs(large.before - kept.before) < 1e-5)
    #expect(large.zeroed != large.before)
  }

  @Test func anInt8FileIsNotQuantizedAgain() throws {
    let dir = try folder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let model = try lowered()
    try Trainer(model: model).saveWeights(to: dir + "/w.safetensors")
    let bytes = try WeightQuantizer.quantize(model: model, weights: dir + "/w.safetensors").bytes
    try Data(bytes).write(to: URL(fileURLWithPath: dir + "/q.safetensors"))
    #expect {
      try WeightQuantizer.quantize(model: model, weights: dir + "/q.safetensors")
    } throws: { ($0 as? PredictionError)?.description.contains("int8 already") == true }
  }

  /// Weights saved from another model are refused by name, before anything is written.
  @Test func weightsOfAnotherModelAreRefused() throws {
    let dir = try folder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let other = try lowered(Self.model.replacingOccurrences(of: "Dense[8, relu]", with: "Dense[9]"))
    try Trainer(model: other).saveWeights(to: dir + "/w.safetensors")
    #expect {
      try WeightQuantizer.quantize(model: try lowered(), weights: dir + "/w.safetensors")
    } throws: { ($0 as? PredictionError)?.description.contains("h.weight") == true }
  }

  static func byte(_ value: Int8) -> UInt8 { UInt8(bitPattern: value) }
  static func float(_ value: Float) -> [UInt8] {
    withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) }
  }

  /// An I8 tensor `w` [2, 2] followed by a scales tensor of `scaleShape` holding `scales`.
  func file(scaleShape: [Int]?, scales: [Float] = [], scaleDtype: String = "F32") -> [UInt8] {
    var header = "{\"w\":{\"dtype\":\"I8\",\"shape\":[2,2],\"data_offsets\":[0,4]}"
    if let scaleShape {
      let shape = scaleShape.map(String.init).joined(separator: ",")
      header +=
        ",\"w.int8_scale\":{\"dtype\":\"\(scaleDtype)\",\"shape\":[\(shape)],"
        + "\"data_offsets\":[4,\(4 + 4 * scales.count)]}"
    }
    let weights = [Self.byte(1), Self.byte(-2), Self.byte(127), Self.byte(-127)]
    let data = weights + scales.flatMap { Self.float($0) }
    return safetensors(header: header + "}", data: data)
  }

  @Test func scalesRunAlongTheAxisTheirShapeNames() throws {
    let columns = try SafeTensors.decode(file(scaleShape: [1, 2], scales: [0.5, 2]), source: "q")
    #expect(columns.tensors["w"]?.values == [0.5, -4, 63.5, -254])
    #expect(columns.tensors.keys.sorted() == ["w"])
    let rows = try SafeTensors.decode(file(scaleShape: [2, 1], scales: [0.5, 2]), source: "q")
    #expect(rows.tensors["w"]?.values == [0.5, -1, 254, -254])
    let whole = try SafeTensors.decode(file(scaleShape: [1, 1], scales: [3]), source: "q")
    #expect(whole.tensors["w"]?.values == [3, -6, 381, -381])
  }

  @Test(
    arguments: [
      (nil, [], "F32", "has no scales"),
      ([2, 2], [1, 1, 1, 1], "F32", "does not fit"),
      ([2], [1, 1], "F32", "does not fit"),
      ([1, 3], [1, 1, 1], "F32", "does not fit"),
      ([1, 2], [1, 1], "I32", "does not fit"),
      ([1, 2], [1, .infinity], "F32", "not all finite"),
    ] as [([Int]?, [Float], String, String)])
  func badScalesAreRefused(shape: [Int]?, scales: [Float], dtype: String, says: String) {
    #expect {
      try SafeTensors.decode(
        file(scaleShape: shape, scales: scales, scaleDtype: dtype), source: "q")
    } throws: { ($0 as? WeightsError)?.description.contains(says) == true }
  }

  @Test func scalesWithoutAnInt8TensorAreRefused() {
    let header =
      "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
      + "\"w.int8_scale\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}"
    let bytes = safetensors(header: header, data: Self.float(1) + Self.float(2))
    #expect {
      try SafeTensors.decode(bytes, source: "q")
    } throws: { ($0 as? WeightsError)?.description.contains("is not an I8 tensor") == true }
  }
}
