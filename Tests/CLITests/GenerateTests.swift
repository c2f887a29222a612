import Foundation
import Testing

/// `dlg run` on a chars(...) source, then `dlg generate` with its weights, as a user would;
/// and the mistakes a user makes with sequence models, each one located message.
@Suite struct GenerateTests {
  static let model = """
    neuralnet
      chars: i32[N, 16]
      embed: Embedding[16, 16]
      lstm:  LSTM[24, return_sequences: true]
      out:   Dense[16]
      chars --> embed --> lstm --> out

    train
      data      chars("corpus.txt", length: 16)
      loss      softmax_cross_entropy(out, labels)
      optimizer Adam(lr: 0.01)
      batch     16
      epochs    2
      seed      1
    """

  @Test func trainsThenWritesTheSameTextForTheSameSeed() throws {
    let folder = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try String(repeating: "abc abd abe.\n", count: 120)
      .write(toFile: "\(folder)/corpus.txt", atomically: true, encoding: .utf8)
    try Self.model.write(toFile: "\(folder)/lm.dlg", atomically: true, encoding: .utf8)
    let run = try CLIRunner.run(["run", "lm.dlg", "--save", "lm.safetensors"], in: folder)
    #expect(run.status == 0, "\(run.standardError)")
    let arguments = [
      "generate", "lm.dlg", "--weights", "lm.safetensors", "--prompt", "ab", "--length", "40",
      "--seed", "3",
    ]
    let first = try CLIRunner.run(arguments, in: folder)
    #expect(first.status == 0, "\(first.standardError)")
    #expect(first.standardOutput.hasPrefix("ab"))
    #expect(first.standardOutput.unicodeScalars.count == 2 + 40 + 1)  // prompt, text, newline
    let again = try CLIRunner.run(arguments, in: folder)
    #expect(again.standardOutput == first.standardOutput)
    let bad = try CLIRunner.run(arguments + ["--temperature", "-1"], in: folder)
    #expect(bad.status != 0 && bad.standardError.contains("--temperature"))
  }

  @Test func weightsOfAnotherModelAreRefused() throws {
    let folder = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try Self.model.write(toFile: "\(folder)/lm.dlg", atomically: true, encoding: .utf8)
    let result = try CLIRunner.run(
      ["generate", "lm.dlg", "--weights", "missing.safetensors"], in: folder)
    #expect(result.status != 0)
    #expect(result.standardError.contains("missing.safetensors"))
  }

  /// Caught by `dlg check`, before any data: a context longer than the model's input, a
  /// vocabulary larger than its output, heads that do not divide the width, an image fed to a
  /// recurrent layer.
  @Test(arguments: [
    ("length: 16)", "length: 32)", "model.dlg:9:13", "chars(length: 32) gives 32 characters"),
    ("length: 16)", "length: 100000)", "model.dlg:9:13", "a sample holds 1 to 65536 characters"),
    (
      "length: 16)", "length: 16, vocabulary: 40)", "model.dlg:9:13",
      "gives ids up to 39, but the model scores only 16"
    ),
    (
      "lstm:  LSTM[24, return_sequences: true]", "lstm:  MultiHeadAttention[5]", "model.dlg:4:3",
      "5 heads do not divide the model width 16"
    ),
    (
      "chars: i32[N, 16]\n  embed: Embedding[16, 16]",
      "chars: Input[4, 4, 1]\n  embed: Conv2D[4, 3]",
      "model.dlg:4:3", "LSTM reads sequences"
    ),
  ])
  func sequenceMistakesAreLocated(replacing: String, with: String, at: String, says: String)
    throws
  {
    let folder = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let text = Self.model.replacingOccurrences(of: replacing, with: with)
    #expect(text != Self.model)
    try text.write(toFile: "\(folder)/model.dlg", atomically: true, encoding: .utf8)
    let result = try CLIRunner.run(["check", "model.dlg"], in: folder)
    #expect(result.status == 1)
    #expect(result.standardError.contains(at), "\(result.standardError)")
    #expect(result.standardError.contains(says), "\(result.standardError)")
  }
}
