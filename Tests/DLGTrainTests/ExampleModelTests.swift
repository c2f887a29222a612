import DLG
import DLGTestSupport
import Foundation
import Testing

/// The example models in graphs/ train as written: the ones whose data ships with the
/// repository on that data, the CIFAR-10 ones on small CIFAR-10 binary files generated here
/// (next to a copy of the model, where its relative data path points).
@Suite struct ExampleModelTests {
  static let graphs = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("graphs")

  static func trainer(_ path: String, epochs: Int, batch: Int? = nil) throws -> Trainer {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let loaded = ModuleLoader(libraryPaths: ModuleLoader.defaultLibraryPaths(for: path))
      .load(SourceFile(path: path, text: text))
    #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
    let model = try #require(ModelLowering.lower(loaded.file).model)
    return try Trainer(model: model, overrides: TrainingOverrides(epochs: epochs, batchSize: batch))
  }

  /// Trains and returns the records; every loss is finite.
  static func train(_ t: Trainer) throws -> [EpochRecord] {
    let (train, test) = try t.loadData()
    let records = try t.train(on: train, test: test, observer: nil)
    #expect(records.allSatisfy { $0.trainLoss.isFinite && ($0.testLoss ?? 0).isFinite })
    return records
  }

  /// The Conv1D text classifier on the reviews in graphs/data.
  @Test func textClassifierLearnsTheReviews() throws {
    let t = try Self.trainer(Self.graphs.appendingPathComponent("text_conv1d.dlg").path, epochs: 3)
    let records = try Self.train(t)
    #expect(records.last!.trainLoss < records.first!.trainLoss, "\(records)")
    #expect((records.last!.testAccuracy ?? 0) > 0.8, "\(records)")
  }

  /// The bidirectional LSTM on the same reviews.
  @Test func lstmLearnsTheReviews() throws {
    let t = try Self.trainer(
      Self.graphs.appendingPathComponent("lstm_sentiment.dlg").path, epochs: 5)
    let records = try Self.train(t)
    #expect((records.last!.testAccuracy ?? 0) > 0.8, "\(records)")
  }

  /// The character models as written, on a small generated text in place of the corpus
  /// (a copy of the model next to it, without the warm-up meant for a long run): they train,
  /// and their loss falls well below the uniform ln 3000 ≈ 8.
  @Test(arguments: ["char_transformer.dlg", "char_lstm.dlg"])
  func characterModelTrainsOnGeneratedText(file: String) throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("dlg-chars-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let phrases = ["人生如梦，", "学而时习之，", "不亦说乎。\n", "Debian 很好。\n"]
    var random = TestRandom(5)
    let text = (0..<800).map { _ in phrases[Int(random.next() % 4)] }.joined()
    try text.write(toFile: "\(folder)/corpus.txt", atomically: true, encoding: .utf8)
    let model = try String(
      contentsOfFile: Self.graphs.appendingPathComponent(file).path, encoding: .utf8)
    #expect(model.contains("\"/usr/share/games/fortunes/chinese\""))
    let path = "\(folder)/\(file)"
    try model.replacingOccurrences(
      of: "\"/usr/share/games/fortunes/chinese\"", with: "\"corpus.txt\""
    ).replacingOccurrences(of: "cosine(warmup: 100)", with: "constant")
      .write(toFile: path, atomically: true, encoding: .utf8)
    let t = try Self.trainer(path, epochs: 3)
    let records = try Self.train(t)
    let (first, last) = (records.first!, records.last!)
    #expect(last.trainLoss < first.trainLoss - 1, "\(records)")
    #expect((last.validationLoss ?? 99) < 6, "\(records)")
  }

  @Test func mlpFitsItsCSV() throws {
    let t = try Self.trainer(Self.graphs.appendingPathComponent("mlp.dlg").path, epochs: 20)
    let records = try Self.train(t)
    #expect(records.last!.trainLoss < records.first!.trainLoss, "\(records)")
  }

  /// Each class a colour and a stripe direction, plus noise: learnable in a few epochs.
  static func writeCIFAR(to folder: String, train: Int, test: Int) throws {
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    var random = TestRandom(21)
    func records(_ count: Int) -> (images: [UInt8], labels: [UInt8]) {
      var images: [UInt8] = []
      var labels: [UInt8] = []
      for _ in 0..<count {
        let label = Int(random.next() % 10)
        labels.append(UInt8(label))
        for y in 0..<32 {
          for x in 0..<32 {
            let stripe = (label < 5 ? x : y) / (2 + label % 5) % 2
            for channel in 0..<3 {
              let base = channel == label % 3 ? 150 : 40
              images.append(UInt8(min(255, base + stripe * 60 + Int(random.next() % 40))))
            }
          }
        }
      }
      return (images, labels)
    }
    for batch in 1...5 {
      let part = records(train / 5)
      try CIFARDataset.write(
        path: "\(folder)/data_batch_\(batch).bin", images: part.images, labels: part.labels)
    }
    let part = records(test)
    try CIFARDataset.write(
      path: "\(folder)/test_batch.bin", images: part.images, labels: part.labels)
  }

  @Test(arguments: [("lenet_cifar10.dlg", 3), ("cnn_cifar10.dlg", 3)])
  func cifarModelTrainsOnGeneratedFiles(file: String, epochs: Int) throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("dlg-cifar-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try Self.writeCIFAR(to: "\(folder)/cifar-10-batches-bin", train: 500, test: 100)
    let copy = "\(folder)/\(file)"
    try FileManager.default.copyItem(
      atPath: Self.graphs.appendingPathComponent(file).path, toPath: copy)
    let records = try Self.train(try Self.trainer(copy, epochs: epochs))
    #expect(records.count == epochs)
    #expect(records.last!.trainLoss < records.first!.trainLoss, "\(file): \(records)")
    #expect((records.last!.testAccuracy ?? 0) > 0.2, "\(file): \(records)")
  }
}
