import DLGGraph
import DLGLowering
import DLGRuntime

/// What starting from a weights file did: which of the model's tensors it set, which kept
/// their random initialization, and which of the file's tensors nothing used.
public struct WeightsInitReport: Sendable {
  public var source: String
  /// Model tensor names loaded from the file.
  public var loaded: [String] = []
  /// Model tensors (parameters and statistics) the file did not have.
  public var random: [String] = []
  /// File tensor names that matched no model tensor.
  public var unused: [String] = []

  /// Three lines for the terminal: loaded, left random, unused (long lists shortened).
  public var lines: [String] {
    func list(_ names: [String]) -> String {
      let shown = names.prefix(6).map { "`\($0)`" }.joined(separator: ", ")
      return names.count > 6 ? shown + " and \(names.count - 6) more" : shown
    }
    var lines = ["init: loaded \(loaded.count) tensor(s) from \(source)"]
    if !random.isEmpty {
      lines.append("init: \(random.count) kept their random initialization: \(list(random))")
    }
    if !unused.isEmpty {
      lines.append("init: \(unused.count) tensor(s) of the file unused: \(list(unused))")
    }
    return lines
  }
}

extension Trainer {
  /// Sets the model's parameters and statistics that `spec`'s file holds, by name (after its
  /// prefix renames) and converted from its layout; the others keep their initialization.
  /// A tensor whose shape differs is an error naming both shapes, and so is a file none of
  /// whose tensors the model has.
  @discardableResult
  public func initializeWeights(from spec: WeightsInitSpec) throws(TrainingError)
    -> WeightsInitReport
  {
    let path =
      spec.location.map { DataSources.resolve(spec.path, relativeTo: $0.file) } ?? spec.path
    let file = try readingWeights { () throws(WeightsError) in try SafeTensors.readFile(path) }
    return try initializeWeights(from: file.tensors, spec: spec, source: path)
  }

  /// `initializeWeights` from tensors already read (a previous stage's weights).
  public func initializeWeights(
    from tensors: [String: SafeTensors.Tensor], spec: WeightsInitSpec, source: String
  ) throws(TrainingError) -> WeightsInitReport {
    let graph = model.graph
    let layout = spec.layout == .pytorch ? PyTorchLayout(graph) : nil
    // The file's tensors under the model's names.
    var byModelName: [String: String] = [:]
    for name in tensors.keys.sorted() {
      let renamed = spec.modelName(forFileTensor: name)
      if byModelName[renamed] == nil { byModelName[renamed] = name }
    }
    var report = WeightsInitReport(source: source)
    var used = Set<String>()
    let text = { (s: [Int]) in s.map(String.init).joined(separator: "×") }
    for value in graph.modelWeights {
      let name = graph[value].name
      let shape = graph[value].type.dimensions(batch: 1)
      let wanted = layout?.fileName(for: name) ?? name
      guard let fileName = byModelName[wanted], let tensor = tensors[fileName] else {
        report.random.append(name)
        continue
      }
      let expected = layout?.fileShape(of: value, shape: shape) ?? shape
      guard tensor.shape == expected else {
        var message =
          "\(source): `\(fileName)` has shape \(text(tensor.shape)), but the model's `\(name)` "
          + "is \(text(shape))"
        if spec.layout == .pytorch {
          message += " (\(text(expected)) in PyTorch's layout)"
        } else if tensor.shape == PyTorchLayout(graph).fileShape(of: value, shape: shape) {
          message += ": the file looks like PyTorch's; write `layout: pytorch`"
        }
        throw .checkpoint(message)
      }
      used.insert(fileName)
      let values = layout?.convert(tensor.values, of: value, shape: shape) ?? tensor.values
      store.buffer(value)?.floats.update(from: values, count: values.count)
      report.loaded.append(name)
      // `Normalize` statistics that came from the file are not measured again.
      initializedWeights.insert(value)
    }
    report.unused = tensors.keys.filter { !used.contains($0) }.sorted()
    guard !report.loaded.isEmpty else {
      let sample = { (names: [String]) in names.prefix(3).map { "`\($0)`" }.joined(separator: ", ")
      }
      throw .checkpoint(
        "\(source): none of its \(tensors.count) tensor(s) is a tensor of this model (the file "
          + "has \(sample(report.unused)); the model \(sample(report.random))): rename "
          + "prefixes with `init weights(\"...\", prefix: \"file. -> model.\")`")
    }
    return report
  }
}
