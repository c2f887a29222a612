import DLGGraph
import DLGRuntime
import Foundation

extension TrainingError {
  /// A weights file's problem, as the reason training cannot go on.
  init(_ error: WeightsError) { self = .checkpoint(error.description) }
}

/// Runs a weights-file operation, reporting its failure as a training error.
func readingWeights<T>(_ body: () throws(WeightsError) -> T) throws(TrainingError) -> T {
  do {
    return try body()
  } catch {
    throw TrainingError(error)
  }
}

extension Trainer {
  /// Writes the trained parameters (named as in the model: `conv.weight`, `fc.bias`, ...) and
  /// statistics (`bn.running_mean`) as a safetensors file.
  public func saveWeights(to path: String) throws(TrainingError) {
    let entries = modelWeightEntries.map { SafeTensors.Entry(name: $0.name, buffer: $0.buffer) }
    var metadata = ["format": "dlg", "model": model.file.source.path]
    if let classNames,
      let json = try? JSONSerialization.data(withJSONObject: classNames),
      let text = String(data: json, encoding: .utf8)
    {
      // What `dlg predict` and `dlg eval` print instead of class indices.
      metadata["classes"] = text
    }
    if let vocabulary, let format = config.data?.format {
      // What `dlg generate` and `dlg predict` need to turn text into the same ids.
      metadata["vocabulary"] = vocabulary.json
      metadata["tokens"] = format == "chars" ? "characters" : "words"
    }
    try readingWeights { () throws(WeightsError) in
      try SafeTensors.write(entries, metadata: metadata, to: path)
    }
  }
}

extension Trainer {
  /// The stored tensors that are the model's parameters and statistics (not optimizer state):
  /// what a weights file holds and what a stage hands on.
  var modelWeightEntries: [(id: ValueID, name: String, buffer: TensorBuffer)] {
    let weights = Set(model.graph.modelWeights)
    return store.entries.filter { weights.contains($0.id) }
  }

  /// The model's parameters and statistics as they are now, by name: what a stage hands on
  /// to the next (`from:`).
  public func weightTensors() -> [String: SafeTensors.Tensor] {
    var tensors: [String: SafeTensors.Tensor] = [:]
    for entry in modelWeightEntries {
      tensors[entry.name] = SafeTensors.Tensor(
        dtype: "F32", shape: entry.buffer.dimensions,
        values: Array(UnsafeBufferPointer(start: entry.buffer.floats, count: entry.buffer.count)))
    }
    return tensors
  }
}

extension Trainer {
  /// Replaces the initial weights with those of a safetensors file written by `saveWeights`.
  public func loadWeights(from path: String) throws(TrainingError) {
    try loadWeights(
      from: try readingWeights { () throws(WeightsError) in try SafeTensors.fileBytes(path) },
      source: path)
  }

  /// `loadWeights` from the bytes of a safetensors file held in memory; `source` names them
  /// in errors, as the path does for a file.
  public func loadWeights(from bytes: [UInt8], source: String) throws(TrainingError) {
    try readingWeights { () throws(WeightsError) in
      try store.loadWeights(bytes: bytes, source: source, into: model.graph)
    }
    statisticsLoaded = true
  }
}
