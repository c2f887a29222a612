import DLG
import DLGTestData
import DLGTestSupport
import Foundation
import Testing

func trainer(for text: String) throws -> Trainer {
  let parsed = Parser.parse(SourceFile(path: "synthetic.dlg", text: text))
  #expect(parsed.diagnostics.isEmpty, "\(parsed.diagnostics)")
  let (model, diagnostics) = ModelLowering.lower(parsed.model)
  #expect(diagnostics.isEmpty, "\(diagnostics)")
  return try Trainer(model: try #require(model))
}

@Suite struct TrainerTests {
  @Test(arguments: ["Adam(lr: 0.01)", "SGD(lr: 0.05, momentum: 0.9)"])
  func learnsSyntheticImages(optimizer: String) throws {
    let folder = try SyntheticData.makeFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let t = try trainer(for: SyntheticData.model(folder: folder, optimizer: optimizer))
    let (train, test) = try t.loadData()
    let records = try t.train(on: train, test: test, observer: nil)
    #expect(records.count == 3)
    #expect(records.last!.trainLoss < records.first!.trainLoss * 0.8)
    #expect(records.last!.trainLoss < 1.5)
    // Chance is 10%.
    #expect((records.last!.testAccuracy ?? 0) > 0.6, "\(records)")
  }

  @Test func sameSeedGivesSameLosses() throws {
    try withThreadBudget(2) {
      let folder = try SyntheticData.makeFolder(train: 200, test: 50)
      defer { try? FileManager.default.removeItem(atPath: folder) }
      let text = SyntheticData.model(folder: folder, epochs: 1)
      var losses: [Double] = []
      for _ in 0..<2 {
        let t = try trainer(for: text)
        let (train, test) = try t.loadData()
        losses.append(try t.train(on: train, test: test, observer: nil)[0].trainLoss)
      }
      #expect(losses[0] == losses[1])
    }
  }

  /// `--deterministic`: the same seed gives bit-identical losses and weights on 1, 2 and 3
  /// threads.
  @Test func deterministicModeIgnoresTheThreadCount() throws {
    let folder = try SyntheticData.makeFolder(train: 200, test: 50)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let text = SyntheticData.model(folder: folder, epochs: 2)
    var trainers: [Trainer] = []
    var records: [[EpochRecord]] = []
    for threads in [1, 2, 3] {
      try withThreadBudget(threads, deterministic: true) {
        let t = try trainer(for: text)
        let (train, test) = try t.loadData()
        records.append(try t.train(on: train, test: test, observer: nil))
        trainers.append(t)
      }
    }
    for other in records.dropFirst() {
      #expect(other.map(\.trainLoss) == records[0].map(\.trainLoss))
      #expect(other.map(\.testLoss) == records[0].map(\.testLoss))
    }
    try expectSameWeights(trainers[0], trainers[1])
    try expectSameWeights(trainers[0], trainers[2])
  }

  @Test func savedWeightsAreValidSafetensors() throws {
    let folder = try SyntheticData.makeFolder(train: 64, test: 16)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let t = try trainer(for: SyntheticData.model(folder: folder, epochs: 1))
    let path = folder + "/weights.safetensors"
    try t.saveWeights(to: path)
    let bytes = try #require(FileManager.default.contents(atPath: path))
    let headerLength = bytes.prefix(8).enumerated().reduce(0) {
      $0 | Int($1.element) << (8 * $1.offset)
    }
    let header = try #require(
      try JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<(8 + headerLength)))
        as? [String: Any])
    let conv = try #require(header["conv.weight"] as? [String: Any])
    #expect(conv["dtype"] as? String == "F32")
    #expect(conv["shape"] as? [Int] == [3, 3, 1, 6])
    let names = header.keys.filter { $0 != "__metadata__" }.sorted()
    #expect(
      names == ["conv.bias", "conv.weight", "fc.bias", "fc.weight", "out.bias", "out.weight"])
    // The data section holds exactly the declared tensors.
    let total = (9 * 6 + 6 + 216 * 16 + 16 + 160 + 10) * 4
    #expect(bytes.count == 8 + headerLength + total)
  }

  @Test func mismatchedDataShapeIsAClearError() throws {
    let folder = try SyntheticData.makeFolder(train: 20, test: 10)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let text = SyntheticData.model(folder: folder).replacingOccurrences(
      of: "Input[8, 8, 1]", with: "Input[28, 28, 1]")
    let t = try trainer(for: text)
    #expect {
      _ = try t.loadData()
    } throws: { error in
      "\(error)".contains("8×8") && "\(error)".contains("28×28")
    }
  }
}

@Suite struct SoftmaxEndingTests {
  /// Mermaid diagrams usually end in `Dense[10, softmax]`: such a model trains (on the logits
  /// before the softmax), and dropout in it is active only while training.
  @Test func mermaidStyleMLPLearns() throws {
    let folder = try SyntheticData.makeFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let t = try trainer(
      for: """
        neuralnet sequential
          Input[64]
          Dense[32, relu]
          Dropout[0.1]
          Dense[10, softmax]
        train
          data      idx("\(folder)", split: "train", scale: 1/255)
          test      idx("\(folder)", split: "t10k", scale: 1/255)
          loss      softmax_cross_entropy(dense_2, labels)
          optimizer Adam(lr: 0.01)
          batch     16
          epochs    3
          metrics   accuracy
        """)
    let (train, test) = try t.loadData()
    let records = try t.train(on: train, test: test, observer: nil)
    #expect((records.last?.testAccuracy ?? 0) > 0.6, "\(records)")
  }
}

@Suite struct RegressionTests {
  /// graphs/linear_regression.dlg: 1000 full-batch SGD steps end below a loss of 1e-3.
  @Test func linearRegressionConverges() throws {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("graphs/linear_regression.dlg").path
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let parsed = Parser.parse(SourceFile(path: path, text: text))
    let model = try #require(ModelLowering.lower(parsed.model).model)
    let t = try Trainer(model: model)
    let (train, test) = try t.loadData()
    let records = try t.train(on: train, test: test, observer: nil)
    #expect(records.count == 1000)
    #expect(records.last!.trainLoss <= 1e-3, "final loss \(records.last!.trainLoss)")
  }
}

@Suite struct BinaryClassificationTests {
  /// A yes/no question about the synthetic images (is the block in the top half?) learned with
  /// binary cross-entropy from a sigmoid output, and concatenated features.
  @Test func learnsWithBinaryCrossEntropy() throws {
    let folder = try SyntheticData.makeFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    // Relabel: classes 0-4 have the block in the top half.
    for split in ["train", "t10k"] {
      let path = "\(folder)/\(split)-labels-idx1-ubyte.gz"
      let labels = try IDXReader.read(path: path).values.map { UInt8($0 < 5 ? 1 : 0) }
      try IDXWriter.write(path: path, dimensions: [labels.count], bytes: labels, gzip: true)
    }
    let t = try trainer(
      for: """
        neuralnet
          image: Input[8, 8, 1]
          flat:  Flatten
          a:     Dense[8, relu]
          b:     Dense[8, tanh]
          both:  Concat
          out:   Dense[1, sigmoid]
          image --> flat --> a --> both
          flat --> b --> both
          both --> out
        train
          data      idx("\(folder)", split: "train", scale: 1/255)
          test      idx("\(folder)", split: "t10k", scale: 1/255)
          loss      binary_cross_entropy(out, labels)
          optimizer Adam(lr: 0.01)
          batch     16
          epochs    3
          metrics   accuracy
        """)
    let (train, test) = try t.loadData()
    let records = try t.train(on: train, test: test, observer: nil)
    #expect((records.last?.testAccuracy ?? 0) > 0.85, "\(records)")
  }
}

@Suite struct EarlyStoppingTests {
  /// With a learning rate of zero the test loss never improves after the first epoch, so
  /// training ends `patience` epochs later instead of running all 30.
  @Test func stopsWhenTheTestLossStallsAndGELUTrains() throws {
    let folder = try SyntheticData.makeFolder(train: 200, test: 50)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let text = SyntheticData.model(folder: folder, epochs: 30, optimizer: "SGD(lr: 0)")
      .replacingOccurrences(of: "Dense[16, relu]", with: "Dense[16, gelu]")
      .replacingOccurrences(
        of: "  metrics   accuracy", with: "  metrics   accuracy\n  early_stopping 2")
    let t = try trainer(for: text)
    #expect(t.config.earlyStoppingPatience == 2)
    let (train, test) = try t.loadData()
    let records = try t.train(on: train, test: test, observer: nil)
    #expect(records.count == 3)
  }
}

@Suite struct ClassificationMetricsTests {
  @Test func macroScoresFromAConfusionMatrix() throws {
    // True class 0: 8 right, 2 called 1; true class 1: 5 right, 5 called 0; class 2 unused.
    let evaluation = Evaluation(
      loss: 0, accuracy: nil, confusion: [[8, 2, 0], [5, 5, 0], [0, 0, 0]])
    let scores = try #require(evaluation.macroScores)
    let (p0, r0) = (8.0 / 13, 0.8)
    let (p1, r1) = (5.0 / 7, 0.5)
    #expect(abs(scores.precision - (p0 + p1) / 2) < 1e-12)
    #expect(abs(scores.recall - (r0 + r1) / 2) < 1e-12)
    let f1 = (2 * p0 * r0 / (p0 + r0) + 2 * p1 * r1 / (p1 + r1)) / 2
    #expect(abs(scores.f1 - f1) < 1e-12)
  }

  @Test func recordsCarryPrecisionRecallF1AndTheConfusionMatrix() throws {
    let folder = try SyntheticData.makeFolder(train: 300, test: 100)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let text = SyntheticData.model(folder: folder, epochs: 2).replacingOccurrences(
      of: "  metrics   accuracy", with: "  metrics   accuracy, precision, recall, f1, confusion")
    let t = try trainer(for: text)
    let (train, test) = try t.loadData()
    let record = try #require(try t.train(on: train, test: test, observer: nil).last)
    let matrix = try #require(record.confusionMatrix)
    #expect(matrix.count == 10)
    #expect(matrix.flatMap { $0 }.reduce(0, +) == 100)
    let correct = (0..<10).reduce(0) { $0 + matrix[$1][$1] }
    #expect(abs(Double(correct) / 100 - (record.testAccuracy ?? -1)) < 1e-9)
    #expect(record.testF1 != nil && record.testPrecision != nil && record.testRecall != nil)
    let json = String(decoding: try JSONEncoder().encode(record), as: UTF8.self)
    #expect(json.contains("\"confusion_matrix\"") && json.contains("\"test_f1\""))
  }
}
