import ArgumentParser
import DLG
import Foundation

/// `dlg generate MODEL --weights W --prompt "..."`: text from a character language model.
struct GenerateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "generate",
    abstract: "Write text with a trained character-level language model, as it is sampled.",
    discussion: """
      Examples:
        dlg generate graphs/char_lstm.dlg --weights lm.safetensors --prompt 人生
        dlg generate lm.dlg --weights lm.safetensors --temperature 0.5 --seed 1
      """)

  @ArgumentParser.Argument(help: "The .dlg model (trained on a chars(...) source).")
  var file: String

  @Option(help: "Weights written by `dlg run --save` (they hold the model's characters).")
  var weights: String

  @Option(help: "The text to continue (default: start after a newline).")
  var prompt = ""

  @Option(help: "How many characters to write.")
  var length = 200

  @Option(
    parsing: .unconditional,
    help: "Below 1: likelier characters; above 1: more varied; 0: always the likeliest.")
  var temperature: Float = 0.8

  @Option(name: .customLong("top-k"), help: "Sample among the k likeliest characters (0: all).")
  var topK = 40

  @Option(parsing: .unconditional, help: "Random seed: the same seed writes the same text.")
  var seed: UInt64 = 1

  @OptionGroup var threading: ThreadOptions

  func validate() throws {
    guard (0...1_000_000).contains(length) else {
      throw ValidationError("--length must be between 0 and 1000000")
    }
    guard temperature.isFinite, temperature >= 0, temperature <= 100 else {
      throw ValidationError("--temperature must be a number from 0 to 100")
    }
    guard topK >= 0 else { throw ValidationError("--top-k must be 0 (all) or more") }
  }

  func run() throws {
    threading.apply()
    let model = try ModelLoading.load(file)
    try ModelLoading.requireExecutable(model)
    let generator: TextGenerator
    do {
      generator = try TextGenerator(model: model, weights: weights)
    } catch {
      Terminal.failure(error.description)
      throw ExitCode.failure
    }
    let settings = SamplingSettings(
      temperature: temperature, topK: topK == 0 ? nil : topK, seed: seed)
    var written = Terminal.output(prompt)
    generator.generate(prompt: prompt, length: length, settings: settings) { text in
      if written { written = Terminal.output(text) }
    }
    guard written, Terminal.output("\n") else {
      Terminal.failure("cannot write to standard output")
      throw ExitCode.failure
    }
  }
}
