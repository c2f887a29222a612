import DLGData
import DLGGraph
import DLGKernels
import DLGLowering
import DLGPasses
import DLGRuntime
import Foundation
import Synchronization

/// Inference with a trained model: the forward graph alone, optimized and memory-planned once
/// per batch size, with weights from a safetensors file. This is what a Swift program
/// embedding dlg uses: `Predictor(model:weights:)`, then `predictions(for:)`. It may be
/// shared between threads: calls take turns on the compiled plans, which hold one batch's
/// buffers each.
public final class Predictor: @unchecked Sendable {
  /// What a model's outputs mean, from the loss it was trained with.
  public enum OutputKind: String, Sendable {
    /// Class scores (softmax cross-entropy, or a network ending in a softmax): predictions are
    /// the softmax, one probability per class.
    case classes
    /// One logit for two classes (binary cross-entropy): predictions are `[1 − p, p]` with
    /// `p` its sigmoid.
    case binary
    /// Regression values (mean squared error): predictions are the outputs as they are.
    case values
  }

  public let model: Model
  private let graph: Graph
  private let input: ValueID
  private let output: ValueID
  /// True when the network ends in a softmax already: its outputs are probabilities.
  private let outputsProbabilities: Bool
  private let store = ParameterStore()
  /// The compiled plan of each batch size, and the turn to use them.
  private let plans = Mutex<[Int: Executable]>([:])

  /// What the predictions mean.
  public let outputKind: OutputKind

  /// The name of each class, when the weights carry them (a model trained on an image
  /// folder: its sub-folders' names).
  public let classNames: [String]?

  /// The vocabulary a `text(...)` model was trained with, when the weights carry it.
  public let vocabulary: Vocabulary?

  /// The shape of one sample, without the batch axis.
  public let sampleShape: [Int]

  /// True when samples are word or character ids (fed as integers), not values.
  public let inputIsIDs: Bool

  /// Loads the weights file at `weights` (safetensors, f32 or int8) into `model`.
  public convenience init(model: Model, weights: String) throws(PredictionError) {
    let bytes: [UInt8]
    do {
      bytes = try SafeTensors.fileBytes(weights)
    } catch {
      throw PredictionError(error.description)
    }
    try self.init(model: model, weightsBytes: bytes, source: weights)
  }

  /// Loads the bytes of a safetensors file held in memory; `source` names them in errors (a
  /// server that hashes the file reads it once, and predicts with the bytes it hashed).
  public convenience init(model: Model, weightsBytes: [UInt8], source: String)
    throws(PredictionError)
  {
    let file: (tensors: [String: SafeTensors.Tensor], metadata: [String: String])
    do {
      file = try SafeTensors.decode(weightsBytes, source: source)
    } catch {
      throw PredictionError(error.description)
    }
    try self.init(model: model, tensors: file.tensors, metadata: file.metadata, source: source)
  }

  /// Loads tensors already read (or made: `Trainer.weightTensors()` of a model as it is now),
  /// with a file's metadata (`classes`, `vocabulary`); `source` names them in errors.
  /// `optimization: .none` runs the forward graph as written (`dlg bench -O0`).
  public init(
    model: Model, tensors: [String: SafeTensors.Tensor], metadata: [String: String] = [:],
    source: String, optimization: OptimizationLevel = .standard
  ) throws(PredictionError) {
    // The output the loss reads, when there is one: a model with several heads (an
    // autoencoder's reconstruction beside a classifier) predicts what its last stage trained.
    let lossNode = model.loss.flatMap { model.graph[$0].producer }.map { model.graph.nodes[$0] }
    let scored = lossNode.map { $0.inputs[0] }
    guard let input = model.input, let output = scored ?? model.outputs.first else {
      throw PredictionError("the model needs an Input layer and an output to predict")
    }
    self.model = model
    self.input = input
    outputKind =
      switch lossNode?.op {
      case is BinaryCrossEntropyLoss: .binary
      case is MeanSquaredError: .values
      default: .classes
      }
    sampleShape = Array(model.graph[input].type.dimensions(batch: 1).dropFirst())
    inputIsIDs = model.graph[input].type.dtype == .int32
    let forward = ForwardGraph(
      model: model, output: output, store: store, optimization: optimization)
    (graph, self.output, outputsProbabilities) = (
      forward.graph, forward.output, forward.outputsProbabilities
    )
    do {
      // Predictions never change the weights: they may be packed, and int8 ones read as int8.
      store.weightsAreFixed = true
      try store.load(tensors, into: model.graph.modelWeights, of: model.graph, path: source)
    } catch {
      throw PredictionError(error.description)
    }
    classNames = metadata["classes"].flatMap(Self.classNames)
    vocabulary = metadata["vocabulary"].flatMap(Vocabulary.init(json:))
  }

  /// The class names of a weights file's `classes` metadata (a JSON array of strings).
  public static func classNames(_ json: String) -> [String]? {
    (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String]
  }

  /// The number of values the network outputs per sample.
  private var outputWidth: Int { graph[output].type.elementsPerItem }

  /// The number of predictions per sample: classes for a classifier (two for a binary one),
  /// values for a regression.
  public var predictionWidth: Int { outputKind == .binary ? 2 : outputWidth }

  /// The number of trained values (weights, biases, normalization scales) the model holds.
  public var parameterCount: Int {
    model.graph.modelWeights.reduce(0) { $0 + model.graph[$1].type.elementCount(batch: 1) }
  }

  /// Each sample's predictions, row by row, `predictionWidth` per sample: class
  /// probabilities, or regression values (`outputKind` says which).
  public func predictions(for data: Dataset, batchSize: Int = 256) -> [Float] {
    let batchSize = min(max(1, batchSize), Self.maximumBatch)
    return plans.withLock { plans in
      predictions(count: data.count, batchSize: batchSize, plans: &plans) { range, features in
        if features.dtype == .int32 {
          // Word or character ids: stored as floats, fed as integers (as in training).
          data.gatherInts(range, into: features.ints)
        } else {
          data.gather(range, features: features.floats, labels: nil)
        }
      }
    }
  }

  /// The predictions of samples laid out one after another in `features` (each
  /// `sampleShape`'s element count of values, scaled as the training data was; ids as whole
  /// numbers for a model of word or character ids), `predictionWidth` per sample, run
  /// `batchSize` samples at a time. The values are read in place, not copied first.
  public func predictions(for features: UnsafeBufferPointer<Float>, batchSize: Int = 256)
    throws(PredictionError) -> [Float]
  {
    let size = max(1, sampleShape.reduce(1, *))
    guard features.count % size == 0 else {
      throw PredictionError(
        "\(features.count) values are not whole samples of \(size) (shape "
          + "\(sampleShape.map(String.init).joined(separator: "×")))")
    }
    guard (1...Self.maximumBatch).contains(batchSize) else {
      throw PredictionError(
        "the batch size must be from 1 to \(Self.maximumBatch), not \(batchSize)")
    }
    if let bad = features.firstIndex(where: { !$0.isFinite }) {
      throw PredictionError(
        "sample \(bad / size) holds \(features[bad]) at value \(bad % size): inputs must be "
          + "finite numbers")
    }
    guard let base = features.baseAddress else { return [] }
    return plans.withLock { plans in
      predictions(count: features.count / size, batchSize: batchSize, plans: &plans) {
        range, target in
        let source = base + range.lowerBound * size
        let count = range.count * size
        if target.dtype == .int32 {
          for i in 0..<count { target.ints[i] = Dataset.id(source[i]) }
        } else {
          target.floats.update(from: source, count: count)
        }
      }
    }
  }

  /// `predictions(for:batchSize:)` of samples held in an array.
  public func predictions(for features: [Float], batchSize: Int = 256) throws(PredictionError)
    -> [Float]
  {
    try features.withUnsafeBufferPointer { (buffer) throws(PredictionError) in
      try predictions(for: buffer, batchSize: batchSize)
    }
  }

  /// The largest batch a call may ask for: one plan's buffers are sized by it.
  public static let maximumBatch = 1 << 16

  /// The threads every prediction (and every other dlg computation in the process) runs on:
  /// the caller's plus `threads - 1` workers, 1 to 1,024. By default, every core.
  public static var threads: Int {
    get { ThreadBudget.threads }
    set {
      ThreadBudget.configure(
        threads: min(max(1, newValue), 1024), deterministic: ThreadBudget.isDeterministic)
    }
  }

  /// Runs the plans over `count` samples, `batchSize` at a time; `fill` puts the samples of a
  /// range into the plan's input buffer.
  private func predictions(
    count: Int, batchSize: Int, plans: inout [Int: Executable],
    fill: (Range<Int>, TensorBuffer) -> Void
  ) -> [Float] {
    let width = outputWidth
    let rowWidth = predictionWidth
    var result = [Float](repeating: 0, count: count * rowWidth)
    for begin in stride(from: 0, to: count, by: batchSize) {
      let range = begin..<min(count, begin + batchSize)
      let plan = self.plan(batchSize: range.count, in: &plans)
      guard let features = plan.buffer(input), let logits = plan.buffer(output) else { continue }
      fill(range, features)
      plan.run(RuntimeContext(step: 0, training: false))
      result.withUnsafeMutableBufferPointer { out in
        let target = out.baseAddress! + begin * rowWidth
        switch outputKind {
        case .values:
          target.update(from: logits.floats, count: range.count * width)
        case .binary:
          for row in 0..<range.count {
            let p = 1 / (1 + expf(-logits.floats[row]))
            (target[2 * row], target[2 * row + 1]) = (1 - p, p)
          }
        case .classes where outputsProbabilities:
          target.update(from: logits.floats, count: range.count * width)
        case .classes:
          RowSoftmax.forward(
            rows: range.count, columns: width, logits: logits.floats, probabilities: target)
        }
      }
    }
    return result
  }

  /// The compiled plan of one batch size (compiled on first use, as predictions do), for a
  /// caller that fills its input and runs it itself: `dlg bench --inference` times it. Not to
  /// be run while other threads ask for predictions of the same batch size.
  public func compiledPlan(batchSize: Int) -> Executable {
    plans.withLock { plan(batchSize: min(max(1, batchSize), Self.maximumBatch), in: &$0) }
  }

  private func plan(batchSize: Int, in plans: inout [Int: Executable]) -> Executable {
    if let plan = plans[batchSize] { return plan }
    let plan = Executable(graph: graph, batchSize: batchSize, fetches: [output], store: store)
    plans[batchSize] = plan
    return plan
  }
}

/// Why a model cannot predict: the message says what is missing or wrong.
public struct PredictionError: Error, Sendable, CustomStringConvertible {
  public var description: String

  public init(_ description: String) { self.description = description }
}
