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
/// embedding dlg uses: `Predictor(model:weights:)`, then `probabilities(for:)`. It may be
/// shared between threads: calls take turns on the compiled plans, which hold one batch's
/// buffers each.
public final class Predictor: @unchecked Sendable {
  public let model: Model
  private let graph: Graph
  private let input: ValueID
  private let output: ValueID
  /// True when the network ends in a softmax already: its outputs are probabilities.
  private let outputsProbabilities: Bool
  private let store = ParameterStore()
  /// The compiled plan of each batch size, and the turn to use them.
  private let plans = Mutex<[Int: Executable]>([:])

  /// The name of each class, when the weights carry them (a model trained on an image
  /// folder: its sub-folders' names).
  public let classNames: [String]?

  public init(model: Model, weights: String) throws(PredictionError) {
    // The output the loss reads, when there is one: a model with several heads (an
    // autoencoder's reconstruction beside a classifier) predicts what its last stage trained.
    let scored = model.loss.flatMap { model.graph[$0].producer }.map {
      model.graph.nodes[$0].inputs[0]
    }
    guard let input = model.input, let output = scored ?? model.outputs.first else {
      throw PredictionError("the model needs an Input layer and an output to predict")
    }
    self.model = model
    self.input = input
    let forward = ForwardGraph(model: model, output: output, store: store)
    (graph, self.output, outputsProbabilities) = (
      forward.graph, forward.output, forward.outputsProbabilities
    )
    do {
      let (tensors, metadata) = try SafeTensors.readFile(weights)
      try store.load(tensors, into: model.graph.modelWeights, of: model.graph, path: weights)
      classNames = metadata["classes"].flatMap(Self.classNames)
    } catch {
      throw PredictionError(error.description)
    }
  }

  /// The class names of a weights file's `classes` metadata (a JSON array of strings).
  public static func classNames(_ json: String) -> [String]? {
    (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String]
  }

  /// The number of values the model outputs per sample (classes, for a classifier).
  public var outputWidth: Int { graph[output].type.elementsPerItem }

  /// Class probabilities (softmax of the outputs) for each sample, row by row.
  public func probabilities(for data: Dataset, batchSize: Int = 256) -> [Float] {
    plans.withLock { plans in probabilities(for: data, batchSize: batchSize, plans: &plans) }
  }

  private func probabilities(
    for data: Dataset, batchSize: Int, plans: inout [Int: Executable]
  ) -> [Float] {
    let width = outputWidth
    var result = [Float](repeating: 0, count: data.count * width)
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
        let target = out.baseAddress! + b * batchSize * width
        if outputsProbabilities {
          target.update(from: logits.floats, count: indices.count * width)
        } else {
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
