import DLG
import DLGTestData
import DLGTestSupport
import Foundation
import Testing

/// `Predictor.predictions(for:)` on values held by the program: arrays and buffers.
@Suite struct PredictorArrayTests {
  static let model = """
    neuralnet
      x: Input[4, 4, 1]
      c: Conv2D[3, 3x3, relu]
      f: Flatten
      o: Dense[5]
      x --> c --> f --> o
    train
      loss softmax_cross_entropy(o, labels)
    """

  func predictor() throws -> (Predictor, String) {
    let model = try #require(
      ModelLowering.lower(Parser.parse(SourceFile(path: "m.dlg", text: Self.model)).model).model)
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("dlg-predictor-\(UUID().uuidString).safetensors").path
    try Trainer(model: model, overrides: TrainingOverrides(seed: 4)).saveWeights(to: path)
    return (try Predictor(model: model, weights: path), path)
  }

  /// An array, a buffer and a `Dataset` of the same samples give the same rows, whatever the
  /// batch size and thread count.
  @Test func arraysBuffersAndDatasetsAgree() throws {
    let (predictor, path) = try predictor()
    defer { try? FileManager.default.removeItem(atPath: path) }
    var random = SeededGenerator(seed: 6)
    let values = (0..<(13 * 16)).map { _ in Float(random.next() % 1000) / 1000 }
    let expected = predictor.predictions(
      for: Dataset(
        features: values, sampleShape: [4, 4, 1], labels: [Int32](repeating: 0, count: 13)))
    #expect(expected.count == 13 * 5)
    for (threads, batch) in [(1, 1), (2, 4), (2, 256)] {
      // The budget is the process's: other tests wait while this one changes it.
      try withThreadBudget(1) {
        Predictor.threads = threads
        #expect(Predictor.threads == threads)
        let rows = try predictor.predictions(for: values, batchSize: batch)
        #expect(rows.count == expected.count)
        for (a, b) in zip(rows, expected) { #expect(abs(a - b) < 1e-5, "batch \(batch)") }
        let fromBuffer = try values.withUnsafeBufferPointer {
          (buffer) throws(PredictionError) in try predictor.predictions(for: buffer)
        }
        #expect(fromBuffer.count == expected.count)
        for (a, b) in zip(fromBuffer, expected) { #expect(abs(a - b) < 1e-5) }
      }
    }
    #expect(try predictor.predictions(for: [Float]()) == [])
  }

  @Test func valuesThatAreNotSamplesAreRefused() throws {
    let (predictor, path) = try predictor()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let cases: [([Float], Int, String)] = [
      ([Float](repeating: 0, count: 17), 1, "not whole samples of 16"),
      ([Float](repeating: 0, count: 15) + [.nan], 1, "sample 0 holds nan at value 15"),
      ([Float](repeating: 0, count: 16), 0, "batch size must be from 1"),
    ]
    for (values, batch, says) in cases {
      #expect {
        try predictor.predictions(for: values, batchSize: batch)
      } throws: { ($0 as? PredictionError)?.description.contains(says) == true }
    }
  }
}
