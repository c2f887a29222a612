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

  public init(model: Model, weights: String) throws(PredictionError) {
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
    let forward = ForwardGraph(model: model, output: output, store: store)
    (graph, self.output, outputsProbabilities) = (
      forward.graph, forward.output, forward.outputsProbabilities
    )
    do {
      let (tensors, metadata) = try SafeTensors.readFile(weights)
      try store.load(tensors, into: model.graph.modelWeights, of: model.graph, path: weights)
      classNames = metadata["classes"].flatMap(Self.classNames)
      vocabulary = metadata["vocabulary"].flatMap(Vocabulary.init(json:))
    } catch {
      throw PredictionError(error.description)
    }
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
    plans.withLock { plans in predictions(for: data, batchSize: batchSize, plans: &plans) }
  }

  private func predictions(
    for data: Dataset, batchSize: Int, plans: inout [Int: Executable]
  ) -> [Float] {
    let width = outputWidth
    let rowWidth = predictionWidth
    var result = [Float](repeating: 0, count: data.count * rowWidth)
    let batches = BatchIterator(
      count: data.count, batchSize: batchSize, shuffle: false, seed: 0, epoch: 0, dropLast: false)
    for b in 0..<batches.batchCount {
      let indices = batches.indices(ofBatch: b)
      let plan = self.plan(batchSize: indices.count, in: &plans)
      guard let features = plan.buffer(input), let logits = plan.buffer(output) else { continue }
      if features.dtype == .int32 {
        // Word or character ids: stored as floats, fed as integers (as in training).
        data.gatherInts(indices, into: features.ints)
      } else {
        data.gather(indices, features: features.floats, labels: nil)
      }
      plan.run(RuntimeContext(step: 0, training: false))
      result.withUnsafeMutableBufferPointer { out in
        let target = out.baseAddress! + b * batchSize * rowWidth
        switch outputKind {
        case .values:
          target.update(from: logits.floats, count: indices.count * width)
        case .binary:
          for row in 0..<indices.count {
            let p = 1 / (1 + expf(-logits.floats[row]))
            (target[2 * row], target[2 * row + 1]) = (1 - p, p)
          }
        case .classes where outputsProbabilities:
          target.update(from: logits.floats, count: indices.count * width)
        case .classes:
          RowSoftmax.forward(
            rows: indices.count, columns: width, logits: logits.floats, probabilities: target)
        }
      }
    }
    return result
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
