import DLG
import DLGTestData
import DLGTestSupport
import Foundation
import Testing

/// Every parameter of two trainers of the same model holds the same values.
func expectSameWeights(_ a: Trainer, _ b: Trainer) throws {
  for parameter in a.model.graph.parameters {
    let x = try #require(a.store.buffer(parameter))
    let y = try #require(b.store.buffer(parameter))
    #expect(
      Array(UnsafeBufferPointer(start: x.floats, count: x.count))
        == Array(UnsafeBufferPointer(start: y.floats, count: y.count)),
      "\(a.model.graph[parameter].name) differs")
  }
}

@Suite struct CheckpointTests {
  func model(_ text: String) throws -> Model {
    try #require(
      ModelLowering.lower(Parser.parse(SourceFile(path: "m.dlg", text: text)).model).model)
  }

  static let small = """
    neuralnet
      x: Input[8, 8, 1]
      f: Flatten
      o: Dense[3]
      x --> f --> o
    train
      loss softmax_cross_entropy(o, labels)
    """

  @Test func weightsRoundTripThroughSafetensors() throws {
    let folder = try SyntheticData.makeFolder(train: 4, test: 4)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let first = try Trainer(model: try model(Self.small), overrides: TrainingOverrides(seed: 1))
    try first.saveWeights(to: "\(folder)/w.safetensors")
    let second = try Trainer(model: try model(Self.small), overrides: TrainingOverrides(seed: 2))
    try second.loadWeights(from: "\(folder)/w.safetensors")
    try expectSameWeights(first, second)
  }

  @Test func mismatchedAndCorruptCheckpointsAreRefused() throws {
    let folder = try SyntheticData.makeFolder(train: 4, test: 4)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = "\(folder)/w.safetensors"
    try Trainer(model: try model(Self.small)).saveWeights(to: path)
    let wider = try Trainer(
      model: try model(Self.small.replacingOccurrences(of: "Dense[3]", with: "Dense[4]")))
    #expect { try wider.loadWeights(from: path) } throws: {
      "\($0)".contains("`o.weight` has shape 64×3, but the model expects 64×4")
    }
    let renamed = try Trainer(
      model: try model(
        Self.small.replacingOccurrences(of: "o: Dense", with: "out: Dense")
          .replacingOccurrences(of: "--> o", with: "--> out")
          .replacingOccurrences(of: "(o, labels)", with: "(out, labels)")))
    #expect { try renamed.loadWeights(from: path) } throws: { "\($0)".contains("`o.") }
    let bytes = try #require(FileManager.default.contents(atPath: path))
    for cut in [3, 40, bytes.count - 5] {
      try bytes.prefix(cut).write(to: URL(fileURLWithPath: "\(folder)/cut.safetensors"))
      #expect { try wider.loadWeights(from: "\(folder)/cut.safetensors") } throws: {
        "\($0)".contains("not a valid safetensors file")
      }
    }
  }

  @Test func npyRoundTripAndErrors() throws {
    let folder = try SyntheticData.makeFolder(train: 4, test: 4)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let values: [Float] = [1, -2.5, 3, 4, 5, 6]
    try NPY.write(path: "\(folder)/a.npy", shape: [2, 3], values: values)
    let array = try NPY.read(path: "\(folder)/a.npy")
    #expect(array.dimensions == [2, 3])
    #expect(array.values == values)
    try Data([1, 2, 3]).write(to: URL(fileURLWithPath: "\(folder)/bad.npy"))
    #expect { _ = try NPY.read(path: "\(folder)/bad.npy") } throws: { "\($0)".contains("magic") }
  }
}

@Suite struct ResumeTests {
  func trainer(_ text: String) throws -> Trainer {
    let model = try #require(
      ModelLowering.lower(Parser.parse(SourceFile(path: "m.dlg", text: text)).model).model)
    return try Trainer(model: model)
  }

  /// Stopping mid-epoch and resuming from the checkpoint gives the same records and weights as
  /// a run that was never stopped.
  @Test func interruptedThenResumedEqualsUninterrupted() throws {
    try withThreadBudget(2) {
      let folder = try SyntheticData.makeFolder(train: 160, test: 40)
      defer { try? FileManager.default.removeItem(atPath: folder) }
      let text = SyntheticData.model(folder: folder, epochs: 2)
      let straight = try trainer(text)
      let (train, test) = try straight.loadData()
      let expected = try straight.train(on: train, test: test, observer: nil)

      let first = try trainer(text)
      first.checkpointPath = "\(folder)/run.ckpt"
      var steps = 0
      first.shouldStop = {
        steps += 1
        return steps == 13  // mid-way through the second epoch (10 batches per epoch)
      }
      #expect {
        _ = try first.train(on: train, test: test, observer: nil)
      } throws: { error in
        guard case TrainingError.interrupted(let epoch, let batch, _) = error else { return false }
        return epoch == 2 && batch == 3
      }
      let second = try trainer(text)
      try second.resume(from: "\(folder)/run.ckpt")
      #expect(second.position.epoch == 2 && second.position.batch == 3)
      let resumed = try second.train(on: train, test: test, observer: nil)
      #expect(resumed.count == 1)
      #expect(resumed.last?.trainLoss == expected.last?.trainLoss)
      #expect(resumed.last?.testAccuracy == expected.last?.testAccuracy)
      try expectSameWeights(straight, second)
    }
  }

  @Test func checkpointsWithOtherSettingsAreRefused() throws {
    let folder = try SyntheticData.makeFolder(train: 32, test: 8)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let text = SyntheticData.model(folder: folder, epochs: 1)
    let first = try trainer(text)
    try first.saveCheckpoint(to: "\(folder)/c.ckpt")
    let other = try trainer(text.replacingOccurrences(of: "batch     16", with: "batch     8"))
    #expect { try other.resume(from: "\(folder)/c.ckpt") } throws: {
      "\($0)".contains("batch_size 16, but this run uses 8")
    }
    // Same parameters and settings, another computation (tanh for relu): refused too.
    let edited = try trainer(
      text.replacingOccurrences(of: "Dense[16, relu]", with: "Dense[16, tanh]"))
    #expect { try edited.resume(from: "\(folder)/c.ckpt") } throws: {
      "\($0)".contains("written for another model")
    }
    try first.saveWeights(to: "\(folder)/w.safetensors")
    #expect { try first.resume(from: "\(folder)/w.safetensors") } throws: {
      "\($0)".contains("weights only")
    }
  }
}
