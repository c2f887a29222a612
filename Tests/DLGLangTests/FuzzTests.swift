import Testing

@testable import DLGLang

/// Thousands of mutated models: the parser must return (no trap, no hang) and every
/// diagnostic must point inside the file.
@Suite struct FuzzTests {
  static let seed = """
    %% fuzz seed
    neuralnet
      title Fashion-MNIST CNN 图像
      image: Input[28, 28, 1]
      conv:  Conv2D[32, 3x3, relu, stride: 2]
      flat:  Flatten
      fc:    Dense[128, relu] "hidden"
      out:   Dense[10]
      image --> conv --> flat & fc --> out
    train
      data   idx("/data", split: "train", scale: 1/255)
      optimizer Adam(lr: 1e-3, beta1: 0.9)
      batch 32
      metrics accuracy, loss
    """

  struct Mutator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return state >> 11 ^ state
    }
  }

  static let pieces: [[UInt8]] =
    [
      "[", "]", "(", ")", "-->", ":", ",", "\"", "%%", "\n", "3x3", "99999999999999999999999",
      "&", "-", "/", "1e999", "卷积", "\u{0}", "\t", ".", "x",
    ].map { Array($0.utf8) } + [[0xFF], [0xC3], [0xE4, 0xB8]]

  @Test func mutatedInputsNeverCrash() {
    var random = Mutator(state: 12345)
    let original = Array(Self.seed.utf8)
    for _ in 0..<3000 {
      var bytes = original
      for _ in 0..<Int.random(in: 1...6, using: &random) {
        let position = Int.random(in: 0...bytes.count, using: &random)
        switch Int.random(in: 0..<5, using: &random) {
        case 0 where position < bytes.count:
          bytes[position] = UInt8.random(in: 0...255, using: &random)
        case 1 where position < bytes.count:
          bytes.removeSubrange(
            position..<min(bytes.count, position + Int.random(in: 1...20, using: &random)))
        case 2: bytes.insert(contentsOf: Self.pieces.randomElement(using: &random)!, at: position)
        case 3: bytes = Array(bytes.prefix(position))
        default:
          let from = Int.random(in: 0..<original.count, using: &random)
          bytes.insert(contentsOf: original[from..<min(original.count, from + 30)], at: position)
        }
      }
      let text = String(decoding: bytes, as: UTF8.self)
      let source = SourceFile(path: "fuzz.dlg", text: text)
      let result = Parser.parse(source)
      for diagnostic in result.diagnostics {
        guard let range = diagnostic.range else { continue }
        #expect(range.start.offset >= 0 && range.end.offset <= source.bytes.count)
        #expect(range.start.line >= 1 && range.start.line <= source.lineStarts.count)
      }
      // Rendering must not trap either.
      let renderer = DiagnosticRenderer(sources: [source], color: false)
      for diagnostic in result.diagnostics { _ = renderer.render(diagnostic) }
    }
  }

  @Test func randomBytesNeverCrash() {
    var random = Mutator(state: 99)
    for _ in 0..<500 {
      let bytes = (0..<Int.random(in: 0...400, using: &random)).map { _ in
        UInt8.random(in: 0...255, using: &random)
      }
      _ = Parser.parse(SourceFile(path: "r.dlg", text: String(decoding: bytes, as: UTF8.self)))
    }
  }
}
