import DLG
import DLGServeRequests
import Foundation

/// One loaded version of the served model: its predictor, and what clients are told about it.
/// A reload makes a new one and swaps it in whole, so a batch never mixes two versions.
public final class ServedModel: Sendable {
  /// The compiled forward graph and its weights.
  public let predictor: Predictor
  /// A hash of the weights file's bytes (CRC-32, hex): which weights answered a request.
  public let version: String
  /// The file the weights came from.
  public let weightsPath: String
  /// The factor inputs are multiplied by, as `dlg predict` does: the training data's scale.
  public let scale: Float
  /// The largest id plus one a word-id input may hold: the rows of the embedding table it
  /// feeds (nil for value inputs).
  public let idLimit: Int?

  /// Loads `weightsPath` (safetensors written by `dlg run --save`) into `model`.
  public init(model: Model, weightsPath: String, scale: Float? = nil) throws(PredictionError) {
    // Read once: the version is the hash of the very bytes that are served, even when the
    // file is replaced while it loads.
    let bytes: [UInt8]
    do {
      bytes = try SafeTensors.fileBytes(weightsPath)
    } catch {
      throw PredictionError(error.description)
    }
    predictor = try Predictor(model: model, weightsBytes: bytes, source: weightsPath)
    self.weightsPath = weightsPath
    self.scale = scale ?? model.training?.data?.scale ?? 1
    version = String(format: "%08x", bytes.withUnsafeBytes(Checksums.crc32))
    idLimit = predictor.inputIsIDs ? Self.embeddingRows(model) : nil
  }

  /// The values of one sample.
  public var sampleSize: Int { predictor.sampleShape.reduce(1, *) }

  /// The model's name: its title, else its file's name without the extension.
  public var name: String {
    predictor.model.title
      ?? URL(fileURLWithPath: predictor.model.file.source.path).deletingPathExtension()
      .lastPathComponent
  }

  /// The rows of the embedding table the model's id input is looked up in.
  static func embeddingRows(_ model: Model) -> Int? {
    guard let input = model.input else { return nil }
    for node in model.graph.nodes where node.op is EmbeddingLookup && node.inputs[0] == input {
      if case .fixed(let rows) = model.graph[node.inputs[1]].type.shape.first { return rows }
    }
    return nil
  }
}

extension SampleDecoder {
  /// The decoder for a served model's input.
  public init(model: ServedModel, maxSamples: Int) {
    self.init(
      sampleShape: model.predictor.sampleShape, inputIsIDs: model.predictor.inputIsIDs,
      idLimit: model.idLimit, vocabulary: model.predictor.vocabulary, scale: model.scale,
      maxSamples: maxSamples, classCount: model.predictor.predictionWidth)
  }
}
