import DLG
import DLGTestData
import DLGTestSupport
import Foundation
import Testing

@testable import DLGTrain

/// Starting from trained weights (`init`), freezing (`freeze`, `trainable:`), per-layer rates
/// (`lr_mult:`), train stages handing weights on, and data subsets.
@Suite struct TransferLearningTests {
  /// A small CNN on the synthetic 8×8 images; `layers` and `settings` are spliced in.
  static func model(
    folder: String, conv: String = "Conv2D[6, 3x3, relu]", fc: String = "Dense[16, relu]",
    between: String = "", settings: String = "", optimizer: String = "Adam(lr: 0.01)"
  ) -> String {
    """
    neuralnet
      image: Input[8, 8, 1]
      conv:  \(conv)
    \(between.isEmpty ? "" : "  mid:   \(between)")
      flat:  Flatten
      fc:    \(fc)
      out:   Dense[10]
      image --> conv\(between.isEmpty ? "" : " --> mid") --> flat --> fc --> out
    train
      data      idx("\(folder)", split: "train", scale: 1/255)
      test      idx("\(folder)", split: "t10k", scale: 1/255)
      loss      softmax_cross_entropy(out, labels)
      optimizer \(optimizer)
      batch     16
      epochs    2
      seed      5
      metrics   accuracy
    \(settings)
    """
  }

  static func values(_ t: Trainer, _ name: String) throws -> [Float] {
    let id = try #require(t.model.graph.modelWeights.first { t.model.graph[$0].name == name })
    let buffer = try #require(t.store.buffer(id))
    return Array(UnsafeBufferPointer(start: buffer.floats, count: buffer.count))
  }

  static func trained(_ text: String) throws -> Trainer {
    let t = try trainer(for: text)
    let (train, test) = try t.loadData()
    _ = try t.train(on: train, test: test, observer: nil)
    return t
  }

  @Test func initLoadsByNameAndReportsWhatStayedRandom() throws {
    let folder = try SyntheticData.makeFolder(train: 200, test: 50)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let source = try Self.trained(Self.model(folder: folder))
    let path = "\(folder)/source.safetensors"
    try source.saveWeights(to: path)
    // The same layers and a new one: the new one keeps its random weights.
    let target = try trainer(
      for: Self.model(folder: folder, between: "Conv2D[6, 3x3, relu, padding: same]"))
    let report = try target.initializeWeights(from: WeightsInitSpec(path: path))
    #expect(
      report.loaded.sorted() == [
        "conv.bias", "conv.weight", "fc.bias", "fc.weight", "out.bias", "out.weight",
      ])
    #expect(report.random.sorted() == ["mid.bias", "mid.weight"])
    #expect(report.unused.isEmpty)
    #expect(try Self.values(target, "fc.weight") == Self.values(source, "fc.weight"))
    #expect(report.lines.joined().contains("2 kept their random initialization"))
  }

  @Test func initRenamesPrefixesAndNamesShapeMismatches() throws {
    let folder = try SyntheticData.makeFolder(train: 100, test: 20)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let source = try trainer(for: Self.model(folder: folder))
    var tensors = source.weightTensors()
    tensors["enc.conv.weight"] = tensors.removeValue(forKey: "conv.weight")
    let renamed = WeightsInitSpec(
      path: "x", renames: [try #require(PrefixRename(parsing: "enc. -> "))])
    let target = try trainer(for: Self.model(folder: folder))
    let report = try target.initializeWeights(from: tensors, spec: renamed, source: "memory")
    #expect(report.loaded.contains("conv.weight") && report.unused.isEmpty)
    // A wider layer: the error names the tensor and both shapes.
    let wider = try trainer(for: Self.model(folder: folder, fc: "Dense[32, relu]"))
    #expect {
      try wider.initializeWeights(from: source.weightTensors(), spec: .init(path: "x"), source: "f")
    } throws: { error in
      "\(error)".contains("`fc.weight` has shape 216×16, but the model's `fc.weight` is 216×32")
    }
    // Nothing in common is a mistake, not a silent random start.
    #expect {
      try target.initializeWeights(
        from: ["other.weight": .init(dtype: "F32", shape: [1], values: [0])],
        spec: .init(path: "x"),
        source: "f")
    } throws: { error in "\(error)".contains("none of its 1 tensor(s)") }
  }

  @Test func pytorchLayoutIsConvertedAtLoad() throws {
    let folder = try SyntheticData.makeFolder(train: 100, test: 40)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let text = Self.model(folder: folder, between: "BatchNorm")
    let source = try Self.trained(text)
    // The weights as PyTorch lays them out, written here from PyTorch's own index order:
    // Conv2d [out, in, kh, kw], Linear [out, in] with NCHW-flattened inputs, BatchNorm
    // weight/bias and its counter.
    var torch: [String: SafeTensors.Tensor] = [:]
    let conv = try Self.values(source, "conv.weight")  // [3, 3, 1, 6]
    var convTorch = [Float](repeating: 0, count: conv.count)
    for o in 0..<6 {
      for y in 0..<3 {
        for x in 0..<3 { convTorch[(o * 3 + y) * 3 + x] = conv[(y * 3 + x) * 6 + o] }
      }
    }
    torch["conv.weight"] = .init(dtype: "F32", shape: [6, 1, 3, 3], values: convTorch)
    let fc = try Self.values(source, "fc.weight")  // [6·6·6 = 216... in NHWC, 16]
    let (h, w, c, units) = (6, 6, 6, 16)
    var fcTorch = [Float](repeating: 0, count: fc.count)
    for o in 0..<units {
      for ch in 0..<c {
        for y in 0..<h {
          for x in 0..<w {
            fcTorch[o * (c * h * w) + (ch * h + y) * w + x] = fc[((y * w + x) * c + ch) * units + o]
          }
        }
      }
    }
    torch["fc.weight"] = .init(dtype: "F32", shape: [units, h * w * c], values: fcTorch)
    let out = try Self.values(source, "out.weight")  // [16, 10]
    var outTorch = [Float](repeating: 0, count: out.count)
    for o in 0..<10 { for i in 0..<16 { outTorch[o * 16 + i] = out[i * 10 + o] } }
    torch["out.weight"] = .init(dtype: "F32", shape: [10, 16], values: outTorch)
    for name in ["conv.bias", "fc.bias", "out.bias", "mid.running_mean", "mid.running_var"] {
      let v = try Self.values(source, name)
      torch[name] = .init(dtype: "F32", shape: [v.count], values: v)
    }
    for (dlg, pt) in [("mid.gamma", "mid.weight"), ("mid.beta", "mid.bias")] {
      let v = try Self.values(source, dlg)
      torch[pt] = .init(dtype: "F32", shape: [v.count], values: v)
    }
    torch["mid.num_batches_tracked"] = .init(dtype: "I64", shape: [], values: [12])
    let target = try trainer(for: text)
    let report = try target.initializeWeights(
      from: torch, spec: WeightsInitSpec(path: "t", layout: .pytorch), source: "torch")
    #expect(report.random.isEmpty && report.unused == ["mid.num_batches_tracked"])
    let (_, test) = try target.loadData()
    #expect(target.evaluate(on: test!).loss == source.evaluate(on: test!).loss)
    // Read without `layout: pytorch`, the shapes do not fit, and the message says why.
    let plain = try trainer(for: text)
    #expect {
      try plain.initializeWeights(from: torch, spec: .init(path: "t"), source: "torch")
    } throws: { error in "\(error)".contains("write `layout: pytorch`") }
  }

  /// Between Flatten and the Dense, dropout and a batch norm over the flattened features: the
  /// Dense rows and the norm's vectors are all in PyTorch's channel-first feature order.
  @Test func pytorchLayoutLooksThroughLayersAfterFlatten() throws {
    let folder = try SyntheticData.makeFolder(train: 100, test: 40)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let text = """
      neuralnet
        image: Input[8, 8, 1]
        conv:  Conv2D[3, 3x3, relu]
        flat:  Flatten
        drop:  Dropout[0.2]
        norm:  BatchNorm
        fc:    Dense[10]
        image --> conv --> flat --> drop --> norm --> fc
      train
        data   idx("\(folder)", split: "train", scale: 1/255)
        test   idx("\(folder)", split: "t10k", scale: 1/255)
        loss   softmax_cross_entropy(fc, labels)
        epochs 1
      """
    let source = try Self.trained(text)
    let (h, w, c, units) = (6, 6, 3, 10)
    /// PyTorch's index of dlg's feature i (NHWC): c·H·W + h·W + w.
    func channelFirst(_ i: Int) -> Int {
      ((i % c) * h + i / (c * w)) * w + (i / c) % w
    }
    var torch: [String: SafeTensors.Tensor] = [:]
    let conv = try Self.values(source, "conv.weight")  // [3, 3, 1, 3]
    var convTorch = conv
    for o in 0..<c {
      for y in 0..<3 {
        for x in 0..<3 { convTorch[(o * 3 + y) * 3 + x] = conv[(y * 3 + x) * c + o] }
      }
    }
    torch["conv.weight"] = .init(dtype: "F32", shape: [c, 1, 3, 3], values: convTorch)
    torch["conv.bias"] = .init(
      dtype: "F32", shape: [c], values: try Self.values(source, "conv.bias"))
    let fc = try Self.values(source, "fc.weight")  // [108, 10]
    var fcTorch = fc
    for o in 0..<units {
      for i in 0..<h * w * c { fcTorch[o * h * w * c + channelFirst(i)] = fc[i * units + o] }
    }
    torch["fc.weight"] = .init(dtype: "F32", shape: [units, h * w * c], values: fcTorch)
    torch["fc.bias"] = .init(
      dtype: "F32", shape: [units], values: try Self.values(source, "fc.bias"))
    for (dlg, pt) in [
      ("norm.gamma", "norm.weight"), ("norm.beta", "norm.bias"),
      ("norm.running_mean", "norm.running_mean"), ("norm.running_var", "norm.running_var"),
    ] {
      let v = try Self.values(source, dlg)
      var permuted = v
      for i in v.indices { permuted[channelFirst(i)] = v[i] }
      torch[pt] = .init(dtype: "F32", shape: [v.count], values: permuted)
    }
    let target = try trainer(for: text)
    let report = try target.initializeWeights(
      from: torch, spec: WeightsInitSpec(path: "t", layout: .pytorch), source: "torch")
    #expect(report.random.isEmpty && report.unused.isEmpty)
    for name in ["fc.weight", "norm.gamma", "norm.running_mean"] {
      #expect(try Self.values(target, name) == Self.values(source, name), "\(name)")
    }
  }

  @Test func frozenLayersHaveNoGradientNodesAndDoNotChange() throws {
    let folder = try SyntheticData.makeFolder(train: 200, test: 50)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let free = try trainer(for: Self.model(folder: folder, between: "BatchNorm"))
    let frozen = try trainer(
      for: Self.model(folder: folder, between: "BatchNorm", settings: "  freeze [conv, mid]"))
    #expect(frozen.training.graph.nodes.count < free.training.graph.nodes.count)
    #expect(!frozen.training.graph.nodes.contains { $0.name.hasPrefix("grad/conv") })
    #expect(!frozen.training.graph.values.contains { $0.name == "conv.weight.adam_m" })
    let before = try ["conv.weight", "conv.bias", "mid.gamma", "mid.running_mean"].map {
      try Self.values(frozen, $0)
    }
    let fcBefore = try Self.values(frozen, "fc.weight")
    let (train, test) = try frozen.loadData()
    let records = try frozen.train(on: train, test: test, observer: nil)
    let after = try ["conv.weight", "conv.bias", "mid.gamma", "mid.running_mean"].map {
      try Self.values(frozen, $0)
    }
    #expect(before == after, "frozen parameters and statistics changed")
    #expect(try Self.values(frozen, "fc.weight") != fcBefore)
    #expect(records.last!.trainLoss < records.first!.trainLoss)
  }

  @Test func trainableFalseAndLrMultZeroFreezeToo() throws {
    let folder = try SyntheticData.makeFolder(train: 100, test: 20)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    for conv in ["Conv2D[6, 3x3, relu, trainable: false]", "Conv2D[6, 3x3, relu, lr_mult: 0]"] {
      let t = try trainer(for: Self.model(folder: folder, conv: conv))
      #expect(t.config.parameters.frozen.count == 2, "\(conv)")
      let before = try Self.values(t, "conv.weight")
      let (train, _) = try t.loadData()
      _ = try t.train(on: train, test: nil, observer: nil)
      #expect(try Self.values(t, "conv.weight") == before)
    }
  }

  @Test func lrMultScalesTheLayersStep() throws {
    let folder = try SyntheticData.makeFolder(train: 16, test: 16)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    // One SGD step: the change of fc's weights at lr 0.1 × lr_mult 0.5 is the change at 0.05.
    func change(fc: String, lr: Double) throws -> [Float] {
      let t = try trainer(
        for: Self.model(
          folder: folder, fc: fc, settings: "", optimizer: "SGD(lr: \(lr))"
        ).replacingOccurrences(of: "epochs    2", with: "epochs    1"))
      let before = try Self.values(t, "fc.weight")
      let (train, _) = try t.loadData()
      _ = try t.train(on: train, test: nil, observer: nil)
      return zip(try Self.values(t, "fc.weight"), before).map { $0 - $1 }
    }
    let scaled = try change(fc: "Dense[16, relu, lr_mult: 0.5]", lr: 0.1)
    let halved = try change(fc: "Dense[16, relu]", lr: 0.05)
    #expect(scaled.contains { $0 != 0 })
    for (a, b) in zip(scaled, halved) { #expect(abs(a - b) <= 1e-6 + 1e-4 * abs(b)) }
  }

  static let stages = """
    neuralnet
      image: Input[8, 8, 1]
      noisy: Dropout[0.25, stage: pretrain]
      flat:  Flatten
      enc:   Dense[24, relu]
      dec:   Dense[64, sigmoid]
      head:  Dense[10]
      image --> noisy --> flat --> enc --> dec
      enc --> head
    train pretrain
      data   idx("FOLDER", split: "train", scale: 1/255)
      loss   mse(dec, image)
      optimizer Adam(lr: 0.01)
      epochs 3
    train finetune
      from   pretrain
      data   idx("FOLDER", split: "train", scale: 1/255, subset: 50)
      test   idx("FOLDER", split: "t10k", scale: 1/255)
      loss   softmax_cross_entropy(head, labels)
      freeze [enc]
      metrics accuracy
      epochs 2
    """

  @Test func stagesLowerTheirOwnLossAndLayersAndHandWeightsOn() throws {
    let folder = try SyntheticData.makeFolder(train: 200, test: 50)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let file = Parser.parse(
      SourceFile(path: "s.dlg", text: Self.stages.replacingOccurrences(of: "FOLDER", with: folder))
    ).model
    #expect(ModelLowering.stages(of: file) == ["pretrain", "finetune"])
    let pre = try #require(ModelLowering.lower(file, stage: "pretrain").model)
    let fine = try #require(ModelLowering.lower(file, stage: "finetune").model)
    // The corruption runs only while pre-training; after training, no stage's layers run.
    #expect(pre.graph.nodes.contains { $0.op is Dropout })
    #expect(!fine.graph.nodes.contains { $0.op is Dropout })
    #expect(!(ModelLowering.lower(file).model?.graph.nodes.contains { $0.op is Dropout } ?? true))
    #expect(pre.training?.stage == "pretrain" && pre.targets == nil && pre.labels == nil)
    #expect(fine.training?.previousStage == "pretrain")

    let first = try Trainer(model: pre)
    let (train, _) = try first.loadData()
    let records = try first.train(on: train, test: nil, observer: nil)
    #expect(records.last!.trainLoss < records.first!.trainLoss, "the autoencoder did not learn")
    #expect(records.first?.stage == "pretrain")
    let second = try Trainer(model: fine)
    _ = try second.initializeWeights(
      from: first.weightTensors(), spec: .init(path: "pretrain"), source: "stage pretrain")
    #expect(try Self.values(second, "enc.weight") == Self.values(first, "enc.weight"))
    let (subset, test) = try second.loadData()
    #expect(subset.count == 50)
    _ = try second.train(on: subset, test: test, observer: nil)
    #expect(try Self.values(second, "enc.weight") == Self.values(first, "enc.weight"))
  }

  @Test func subsetsAreSeededAndLimitsTakeTheFirstSamples() throws {
    let folder = try SyntheticData.makeFolder(train: 100, test: 20)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    func loaded(_ options: String) throws -> Dataset {
      let t = try trainer(
        for: Self.model(folder: folder).replacingOccurrences(
          of: "split: \"train\", scale: 1/255)", with: "split: \"train\", scale: 1/255\(options))"))
      return try t.loadData().train
    }
    let all = try loaded("")
    let a = try loaded(", subset: 30")
    let b = try loaded(", subset: 30")
    let c = try loaded(", subset: 30, subset_seed: 9")
    #expect(a.count == 30 && a.labels == b.labels && a.features == b.features)
    #expect(a.features != c.features)
    let limited = try loaded(", limit: 10")
    #expect(limited.features == Array(all.features.prefix(10 * all.sampleSize)))
  }
}
