import Foundation
import Testing

@testable import DLGLang

@Suite struct FormatterTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  @Test func messyFileBecomesCanonicalAndKeepsComments() throws {
    let messy = """
      %% messy
      neuralnet   sequential
            Input[ 4 ]   %% in


         Dense[ 8,relu ]
      dense2:Dense[2*3 , activation:linear] * 2
      block B(x,  y: 3x3)
       c:Conv2D[x,y]
      end
      train
        loss   softmax_cross_entropy( dense2 , labels )
        optimizer Adam(lr:1e-3)
        epochs 2

      """
    let formatted = try #require(Formatter.format(SourceFile(path: "m.dlg", text: messy)))
    #expect(
      formatted == """
        %% messy
        neuralnet sequential
          Input[4]  %% in

          Dense[8, relu]
          dense2: Dense[2*3, activation: linear] * 2
        block B(x, y: 3x3)
          c: Conv2D[x, y]
        end
        train
          loss      softmax_cross_entropy(dense2, labels)
          optimizer Adam(lr: 1e-3)
          epochs    2

        """)
    #expect(Formatter.format(SourceFile(path: "m.dlg", text: formatted)) == formatted)
  }

  @Test func unicodeIdsAlignByDisplayWidth() throws {
    let text = "neuralnet\n  输入: Input[4]\n  fc: Dense[2]\n  输入 --> fc\n"
    let formatted = try #require(Formatter.format(SourceFile(path: "u.dlg", text: text)))
    #expect(formatted.contains("  输入: Input[4]\n  fc:   Dense[2]\n"))
  }

  /// In a train section `metrics [a, b]` is a setting with a list, aligned like the others;
  /// in a sequential network `Dense[8]` stays a layer.
  @Test func trainListsAreSettings() throws {
    let text = """
      neuralnet sequential
        Dense[8]
      train
        loss softmax_cross_entropy(out, labels)
        metrics [accuracy,f1]

      """
    let formatted = try #require(Formatter.format(SourceFile(path: "m.dlg", text: text)))
    #expect(formatted.contains("  Dense[8]\n"))
    #expect(formatted.contains("  metrics [accuracy, f1]\n"))
  }

  @Test func filesWithErrorsAreNotFormatted() {
    #expect(Formatter.format(SourceFile(path: "e.dlg", text: "neuralnet\n  a: Input[4\n")) == nil)
  }

  @Test func everyGraphAndStdlibFileIsFormattedAndStable() throws {
    for folder in ["graphs", "stdlib"] {
      let path = Self.root.appendingPathComponent(folder).path
      for file in try FileManager.default.contentsOfDirectory(atPath: path)
      where file.hasSuffix(".dlg") {
        let text = try String(contentsOfFile: "\(path)/\(file)", encoding: .utf8)
        let formatted = Formatter.format(SourceFile(path: file, text: text))
        #expect(formatted == text, "\(folder)/\(file) is not formatted: run dlg fmt \(folder)")
      }
    }
  }
}
