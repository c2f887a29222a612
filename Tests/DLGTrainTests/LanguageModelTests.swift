import DLG
import DLGTestSupport
import Foundation
import Testing

/// A character-level language model end to end: `chars(...)` data, a per-position loss, the
/// characters saved with the weights, and `TextGenerator` writing text with them.
@Suite struct LanguageModelTests {
  /// Sentences of a ten-word language, one a line: a model that learns the words predicts
  /// most characters (the entropy of the next character given the last few is low).
  static func corpus(lines: Int) -> String {
    let words = ["the", "cat", "sat", "on", "mat", "a", "dog", "ran", "to", "house"]
    var generator = TestRandom(4)
    return (0..<lines).map { _ in
      (0..<6).map { _ in words[Int(generator.next() % UInt64(words.count))] }
        .joined(separator: " ") + ".\n"
    }.joined()
  }

  static func model(_ body: String) -> String {
    """
    import transformer

    neuralnet
      chars: i32[N, 24]
      embed: Embedding[24, 24]
    \(body)
      out:   Dense[24]

    train
      data       chars("corpus.txt", length: 24)
      validation 0.1
      loss       softmax_cross_entropy(out, labels)
      optimizer  AdamW(lr: 0.005)
      batch      32
      epochs     3
      seed       1
      metrics    accuracy
    """
  }

  static let decoder = model(
    """
      pos:   PositionalEmbedding[24, 24]
      dec:   TransformerDecoderBlock[24, 2, 48]
      norm:  LayerNorm
      chars --> embed --> pos --> dec --> norm --> out
    """)

  /// Writes the corpus and the model side by side and lowers the model.
  static func trainer(_ text: String, lines: Int = 1200) throws -> (Trainer, String) {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("dlg-lm-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    try corpus(lines: lines).write(
      toFile: "\(folder)/corpus.txt", atomically: true, encoding: .utf8)
    let path = "\(folder)/lm.dlg"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    let loaded = ModuleLoader(libraryPaths: ModuleLoader.defaultLibraryPaths(for: path))
      .load(SourceFile(path: path, text: text))
    #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
    let model = try #require(ModelLowering.lower(loaded.file).model)
    return (try Trainer(model: model), folder)
  }

  @Test func decoderLearnsTheLanguageAndWritesIt() throws {
    let (t, folder) = try Self.trainer(Self.decoder)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let (train, test) = try t.loadData()
    let validation = try #require(t.validationData)
    #expect(train.labelWidth == 24 && validation.count > 0)
    let records = try t.train(on: train, test: test, observer: nil)
    // A uniform guess over the 16 characters is ln 16 ≈ 2.77; the words make it far lower.
    let last = try #require(records.last)
    #expect((last.validationLoss ?? 9) < 1.2, "\(records)")
    #expect((last.validationAccuracy ?? 0) > 0.55, "\(records)")

    let weights = "\(folder)/lm.safetensors"
    try t.saveWeights(to: weights)
    let generator = try TextGenerator(model: t.model, weights: weights)
    #expect(generator.vocabulary == t.vocabulary)
    var streamed = ""
    let text = generator.generate(
      prompt: "the ", length: 80, settings: SamplingSettings(temperature: 0.5, seed: 7)
    ) { streamed += $0 }
    #expect(streamed == text && text.unicodeScalars.count == 80)
    // Same seed, same text; another seed, other text.
    #expect(
      generator.generate(
        prompt: "the ", length: 80, settings: SamplingSettings(temperature: 0.5, seed: 7))
        == text)
    #expect(
      generator.generate(
        prompt: "the ", length: 80, settings: SamplingSettings(temperature: 0.5, seed: 8))
        != text)
    // Most of what it writes are words of the language.
    let words = Set(["the", "cat", "sat", "on", "mat", "a", "dog", "ran", "to", "house"])
    let written = text.split { !$0.isLetter }.dropFirst().dropLast()
    let known = written.filter { words.contains(String($0)) }.count
    #expect(known * 10 >= written.count * 7, "\(text)")
  }

  /// A weights file without characters (from a model trained on other data) is refused.
  @Test func generationNeedsTheSavedCharacters() throws {
    let (t, folder) = try Self.trainer(Self.decoder, lines: 40)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let weights = "\(folder)/untrained.safetensors"
    try t.saveWeights(to: weights)  // before loadData: no vocabulary yet
    #expect(throws: PredictionError.self) { try TextGenerator(model: t.model, weights: weights) }
  }

  /// `Predictor` feeds a text model's ids as integers: different words give different
  /// predictions (ids written as float bits would all miss the table and look alike).
  @Test func predictorFeedsIdsAsIntegers() throws {
    let (t, folder) = try Self.trainer(Self.decoder, lines: 40)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let weights = "\(folder)/lm.safetensors"
    try t.saveWeights(to: weights)
    let predictor = try Predictor(model: t.model, weights: weights)
    let ids = (0..<48).map { Float($0 < 24 ? 3 : 5 + $0 % 7) }
    let data = Dataset(features: ids, sampleShape: [24], labels: [0, 0])
    let p = predictor.predictions(for: data)
    let width = predictor.predictionWidth
    #expect(p.count == 2 * width)
    #expect(Array(p[0..<width]) != Array(p[width...]))
  }
}
