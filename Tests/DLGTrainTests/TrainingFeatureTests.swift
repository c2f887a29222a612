import DLG
import DLGKernels
import DLGTestData
import DLGTestSupport
import Foundation
import Testing

@testable import DLGTrain

/// Batch normalization, input normalization, validation splits, gradient clipping and AdamW,
/// each in a model that must still learn the synthetic images.
@Suite struct TrainingFeatureTests {
  /// The synthetic CNN with `layers` between the input and the convolution, and extra train
  /// settings.
  static func model(folder: String, before: String = "", after: String = "", settings: String = "")
    -> String
  {
    let chain =
      ["image"] + (before.isEmpty ? [] : ["pre"]) + ["conv"]
      + (after.isEmpty ? [] : ["post"]) + ["flat", "fc", "out"]
    return """
      neuralnet
        image: Input[8, 8, 1]
      \(before.isEmpty ? "" : "  pre:   \(before)")
        conv:  Conv2D[6, 3x3, relu]
      \(after.isEmpty ? "" : "  post:  \(after)")
        flat:  Flatten
        fc:    Dense[16, relu]
        out:   Dense[10]
        \(chain.joined(separator: " --> "))
      train
        data      idx("\(folder)", split: "train", scale: 1/255)
        test      idx("\(folder)", split: "t10k", scale: 1/255)
        loss      softmax_cross_entropy(out, labels)
        optimizer Adam(lr: 0.01)
        batch     16
        epochs    3
        seed      5
        metrics   accuracy
      \(settings)
      """
  }

  static func train(_ text: String) throws -> (Trainer, [EpochRecord]) {
    let t = try trainer(for: text)
    let (train, test) = try t.loadData()
    return (t, try t.train(on: train, test: test, observer: nil))
  }

  @Test func batchNormTrainsAndItsStatisticsAreSavedWithTheWeights() throws {
    let folder = try SyntheticData.makeFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let (t, records) = try Self.train(Self.model(folder: folder, after: "BatchNorm"))
    #expect((records.last?.testAccuracy ?? 0) > 0.6, "\(records)")
    let mean = try #require(
      t.model.graph.modelWeights.first { t.model.graph[$0].name == "post.running_mean" })
    let values = try #require(t.store.buffer(mean))
    #expect((0..<values.count).contains { values.floats[$0] != 0 }, "running mean never moved")
    // Saved and loaded again, the statistics come back and evaluation gives the same loss.
    let path = "\(folder)/weights.safetensors"
    try t.saveWeights(to: path)
    let names = try SafeTensors.readFile(path).tensors.keys
    #expect(names.contains("post.running_mean") && names.contains("post.running_var"))
    let reloaded = try trainer(for: Self.model(folder: folder, after: "BatchNorm"))
    try reloaded.loadWeights(from: path)
    let (_, test) = try reloaded.loadData()
    #expect(reloaded.evaluate(on: test!).loss == t.evaluate(on: test!).loss)
  }

  @Test func normalizeMeasuresTheTrainingData() throws {
    let folder = try SyntheticData.makeFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let (t, records) = try Self.train(Self.model(folder: folder, before: "Normalize"))
    #expect((records.last?.testAccuracy ?? 0) > 0.6, "\(records)")
    let (train, _) = try t.loadData()
    let expectedMean = train.features.reduce(0.0) { $0 + Double($1) } / Double(train.features.count)
    let mean = try #require(
      t.model.graph.modelWeights.first { t.model.graph[$0].name == "pre.mean" })
    #expect(abs(Double(try #require(t.store.buffer(mean)).floats[0]) - expectedMean) < 1e-4)
  }

  @Test func normalizeMustReadTheInput() throws {
    let text = Self.model(folder: "/nowhere", after: "Normalize")
    let parsed = Parser.parse(SourceFile(path: "m.dlg", text: text))
    let (_, diagnostics) = ModelLowering.lower(parsed.model)
    #expect(
      diagnostics.contains { $0.message.contains("Normalize standardizes the model's input") })
  }

  @Test func validationSplitIsHeldOutAndEvaluatedEveryEpoch() throws {
    let folder = try SyntheticData.makeFolder(train: 400, test: 100)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let t = try trainer(for: Self.model(folder: folder, settings: "  validation 0.25"))
    let (train, test) = try t.loadData()
    #expect(train.count == 300)
    #expect(t.validationData?.count == 100)
    let records = try t.train(on: train, test: test, observer: nil)
    #expect(records.allSatisfy { $0.validationLoss != nil && $0.validationAccuracy != nil })
    #expect((records.last?.validationAccuracy ?? 0) > 0.6, "\(records)")
    // The same seed holds out the same samples.
    let again = try trainer(for: Self.model(folder: folder, settings: "  validation 0.25"))
    _ = try again.loadData()
    #expect(again.validationData?.labels == t.validationData?.labels)
  }

  /// Early stopping's count survives a checkpoint: a resumed run stops when the uninterrupted
  /// one would.
  @Test func earlyStoppingStateIsCheckpointed() throws {
    let folder = try SyntheticData.makeFolder(train: 200, test: 50)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let text = Self.model(folder: folder, settings: "  validation 0.2\n  early_stopping 5")
    let first = try trainer(for: text)
    first.checkpointPath = "\(folder)/run.ckpt"
    let (train, test) = try first.loadData()
    _ = try first.train(on: train, test: test, observer: nil)
    #expect(first.earlyStopping.best.isFinite)
    let second = try trainer(for: text)
    try second.resume(from: "\(folder)/run.ckpt")
    #expect(second.earlyStopping == first.earlyStopping)
  }

  /// With a tiny clip norm every step moves the weights by at most lr per coordinate's share
  /// of a unit-norm gradient; the run must still learn (Adam normalizes the scale away), and
  /// the clip must appear in the training graph.
  @Test func clippingByGlobalNormAndAdamW() throws {
    let folder = try SyntheticData.makeFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let text = Self.model(folder: folder, settings: "  clip_norm 0.5")
      .replacingOccurrences(of: "Adam(lr: 0.01)", with: "AdamW(lr: 0.01)")
    let (t, records) = try Self.train(text)
    #expect(t.training.graph.nodes.contains { $0.op is ClipByGlobalNorm })
    #expect((records.last?.testAccuracy ?? 0) > 0.6, "\(records)")
    guard case .adam(let settings) = t.config.optimizer else {
      Issue.record("AdamW is Adam with weight decay")
      return
    }
    #expect(settings.weightDecay == 0.01)
  }

  @Test func clippingScalesLargeGradientsOnly() {
    var big: [Float] = [3, 4]  // norm 5
    var small: [Float] = [0.1]
    big.withUnsafeMutableBufferPointer { b in
      small.withUnsafeMutableBufferPointer { s in
        let norm = OptimizerKernels.clipByGlobalNorm(
          [(b.baseAddress!, 2), (s.baseAddress!, 1)], maxNorm: 1)
        #expect(abs(norm - (25.01 as Float).squareRoot()) < 1e-5)
      }
    }
    let total = (big[0] * big[0] + big[1] * big[1] + small[0] * small[0]).squareRoot()
    #expect(abs(total - 1) < 1e-4)
    // One buffer listed twice (two parameters whose gradients were merged) counts twice in the
    // norm and is scaled once.
    var shared: [Float] = [3, 4]
    shared.withUnsafeMutableBufferPointer { b in
      let norm = OptimizerKernels.clipByGlobalNorm(
        [(b.baseAddress!, 2), (b.baseAddress!, 2)], maxNorm: 1)
      #expect(abs(norm - (50 as Float).squareRoot()) < 1e-5)
    }
    let factor = 1 / ((50 as Float).squareRoot() + 1e-6)
    #expect(abs(shared[0] - 3 * factor) < 1e-6 && abs(shared[1] - 4 * factor) < 1e-6)
    var tiny: [Float] = [0.3, 0.4]
    tiny.withUnsafeMutableBufferPointer {
      _ = OptimizerKernels.clipByGlobalNorm([($0.baseAddress!, 2)], maxNorm: 1)
    }
    #expect(tiny == [0.3, 0.4])
  }
}

/// Each data-source format the train section accepts has a loader.
@Suite struct DataSourceTableTests {
  @Test func everyFormatHasALoader() {
    for format in DataSourceFormats.table.names {
      #expect(DataSources.loaders.all.contains { $0.format == format }, "no loader for \(format)")
    }
  }
}
