import DLGData
import DLGGraph
import DLGKernels
import DLGLowering
import DLGPasses
import DLGRuntime
import Foundation

/// How to pick each next character from a language model's predicted distribution.
public struct SamplingSettings: Sendable {
  /// Divides the logits: below 1 sharper (more likely characters), above 1 flatter; 0 always
  /// takes the most likely one.
  public var temperature: Float = 0.8
  /// Samples among the `topK` most likely characters only (nil: among all).
  public var topK: Int? = 40
  public var seed: UInt64 = 1

  public init(temperature: Float = 0.8, topK: Int? = 40, seed: UInt64 = 1) {
    self.temperature = temperature
    self.topK = topK
    self.seed = seed
  }
}

/// Writes text with a trained character-level language model: a model whose input is
/// `i32[N, T]` character ids and whose output is `[N, T, V]` next-character logits, with the
/// weights file of `dlg run --save` (which holds the characters' ids). Each step runs the
/// forward graph once on the last `T` characters and samples the character after them; a
/// causal model (a decoder or an LSTM) never reads the padding after the text it has, so a
/// prompt shorter than the context is placed at the start of the window.
public final class TextGenerator {
  public let model: Model
  public let vocabulary: Vocabulary
  /// The context length `T`.
  public let context: Int
  private let classes: Int
  private let plan: Executable
  private let input: ValueID
  private let output: ValueID
  private let outputsProbabilities: Bool
  private let store = ParameterStore()
  private let tokens: [String]

  public init(model: Model, weights path: String) throws(PredictionError) {
    guard let input = model.input, let output = model.outputs.first else {
      throw PredictionError("the model needs an Input layer and an output to generate text")
    }
    let inputType = model.graph[input].type
    let outputType = model.graph[output].type
    guard inputType.dtype == .int32, inputType.rank == 2,
      case .fixed(let context) = inputType.shape[1]
    else {
      throw PredictionError(
        "generation needs a character model: input i32[N, length], got \(inputType)")
    }
    guard outputType.rank == 3, case .fixed(let classes) = outputType.shape[2],
      outputType.shape[1] == .fixed(context)
    else {
      throw PredictionError(
        "generation needs an output of next-character scores [N, \(context), characters], got "
          + "\(outputType): keep the sequence (no pooling or Flatten) and end in Dense[characters]")
    }
    let forward = ForwardGraph(model: model, output: output, store: store)
    let (tensors, metadata): ([String: SafeTensors.Tensor], [String: String])
    do {
      (tensors, metadata) = try SafeTensors.readFile(path)
      try store.load(tensors, into: model.graph.modelWeights, of: model.graph, path: path)
    } catch {
      throw PredictionError(error.description)
    }
    guard metadata["tokens"] == "characters", let json = metadata["vocabulary"],
      let vocabulary = Vocabulary(json: json)
    else {
      throw PredictionError(
        "\(path) holds no character vocabulary: save the weights with `dlg run --save` from a "
          + "model trained on chars(...)")
    }
    guard vocabulary.size <= classes else {
      throw PredictionError(
        "\(path) knows \(vocabulary.size) character ids, but the model scores only \(classes)")
    }
    self.model = model
    self.vocabulary = vocabulary
    self.context = context
    self.classes = classes
    tokens = ["", "\u{FFFD}"] + vocabulary.tokens
    outputsProbabilities = forward.outputsProbabilities
    self.input = input
    self.output = forward.output
    plan = Executable(graph: forward.graph, batchSize: 1, fetches: [forward.output], store: store)
  }

  /// Continues `prompt` by `length` characters, calling `emit` with each as it is chosen, and
  /// returns them. An empty prompt starts after a newline. The same settings and seed give
  /// the same text.
  @discardableResult
  public func generate(
    prompt: String, length: Int, settings: SamplingSettings, emit: (String) -> Void = { _ in }
  ) -> String {
    var ids = CharacterDataset.encode(
      CharacterDataset.clean(prompt.isEmpty ? "\n" : prompt), with: vocabulary)
    if ids.isEmpty { ids = [vocabulary.ids["\n"] ?? 2] }
    var random = SeededGenerator(seed: settings.seed)
    var written = ""
    var probabilities = [Float](repeating: 0, count: classes)
    for _ in 0..<length {
      let window = ids.suffix(context)
      let inputs = plan.buffer(input)!.ints
      inputs.update(repeating: 0, count: context)
      for (slot, id) in window.enumerated() { inputs[slot] = id }
      plan.run(RuntimeContext(step: 0, training: false))
      let scores = plan.buffer(output)!.floats + (window.count - 1) * classes
      let next = sample(scores, into: &probabilities, settings: settings, using: &random)
      ids.append(Int32(next))
      let text = next < tokens.count ? tokens[next] : "\u{FFFD}"
      written += text
      emit(text)
    }
    return written
  }

  /// A character index drawn from the scores: tempered, cut to the top k, softmax-normalized.
  /// Ids 0 (padding) and 1 (unknown) are never drawn.
  private func sample(
    _ scores: UnsafePointer<Float>, into p: inout [Float], settings: SamplingSettings,
    using random: inout SeededGenerator
  ) -> Int {
    let candidates = 2..<min(classes, tokens.count)
    guard !candidates.isEmpty else { return 0 }
    func logit(_ c: Int) -> Float {
      outputsProbabilities ? logf(max(scores[c], .leastNormalMagnitude)) : scores[c]
    }
    var best = candidates.lowerBound
    for c in candidates where logit(c) > logit(best) { best = c }
    guard settings.temperature > 0 else { return best }
    var kept = Array(candidates)
    if let k = settings.topK, k < kept.count {
      kept.sort { logit($0) > logit($1) }
      kept.removeLast(kept.count - k)
    }
    let top = logit(best)
    var sum: Float = 0
    for c in kept {
      p[c] = expf((logit(c) - top) / settings.temperature)
      sum += p[c]
    }
    var target = Float.random(in: 0..<1, using: &random) * sum
    for c in kept {
      target -= p[c]
      if target <= 0 { return c }
    }
    return kept.last ?? best
  }
}
