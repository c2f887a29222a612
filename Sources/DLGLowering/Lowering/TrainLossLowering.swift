import DLGGraph
import DLGLang

extension TrainSectionLowering {
  /// `loss softmax_cross_entropy(out, labels)`: the loss and the metrics it supports, appended
  /// to the forward graph.
  mutating func lowerLoss(_ entry: TrainEntry, metrics: [String], into model: inout Model) {
    guard case .call(let name, let arguments) = entry.value.kind else {
      diagnostics.append(
        Diagnostic(
          code: "E404", "the loss must be a call such as `softmax_cross_entropy(out, labels)`",
          at: entry.value.range))
      return
    }
    guard let function = LossRegistry.named(name.name) else {
      diagnostics.append(
        Diagnostic(
          code: "E404", "unknown loss `\(name.name)`", at: name.range,
          help: closestMatch(to: name.name, among: LossRegistry.names).map {
            "did you mean `\($0)`?"
          } ?? "available: " + LossRegistry.names.joined(separator: ", ")))
      return
    }
    let expectedTarget = function.target.rawValue
    guard arguments.count == 2, case .identifier(let outputName) = arguments[0].value.kind,
      case .identifier(let labelName) = arguments[1].value.kind
    else {
      diagnostics.append(
        Diagnostic(
          code: "E405",
          "\(name.name) takes two names: the output layer and `\(expectedTarget)`",
          at: entry.value.range, help: "write `\(name.name)(out, \(expectedTarget))`"))
      return
    }
    guard
      let named = model.namedOutputs[outputName]
        ?? model.layers.first(where: { $0.id == outputName })?.output
    else {
      // A layer that exists but could not be lowered already has its own error.
      let declared = model.file.network?.layers.compactMap(\.id?.name) ?? []
      if declared.contains(outputName) || model.layers.contains(where: { $0.id == outputName }) {
        return
      }
      diagnostics.append(
        Diagnostic(
          code: "E406", "no layer named `\(outputName)`", at: arguments[0].range,
          help: closestMatch(to: outputName, among: Array(model.namedOutputs.keys)).map {
            "did you mean `\($0)`?"
          }))
      return
    }
    // A targets loss may compare with an input instead: an autoencoder reconstructs its own.
    let given = function.target == .targets ? inputLayerValue(labelName, in: model) : nil
    guard labelName == expectedTarget || given != nil else {
      diagnostics.append(
        Diagnostic(
          code: "E405",
          "the second argument of \(name.name) must be `\(expectedTarget)`"
            + (function.target == .targets ? " or an input layer" : ""),
          at: arguments[1].range,
          help: "\(expectedTarget) come from the data source; write `\(expectedTarget)`"
            + (function.target == .targets
              ? ", or name the input to reconstruct it (an autoencoder)" : "")))
      return
    }
    do {
      var target = given
      if let given, model.graph[given].type != model.graph[named].type,
        model.graph[given].type.elementsPerItem == model.graph[named].type.elementsPerItem
      {
        // Pixels [N, 28, 28, 1] compared with a flat reconstruction [N, 784]: same values.
        target = try model.graph.applySingleOutput(
          Reshape(model.graph[named].type.shape), [given], name: "\(labelName)/as_target",
          location: entry.range)
      }
      let nodes = try function.lower(named, target, Set(metrics), &model.graph, entry.range)
      switch function.target {
      case .labels: model.labels = nodes.target
      case .targets where given == nil: model.targets = nodes.target
      case .targets: break
      }
      model.loss = nodes.loss
      model.metrics = ModelMetrics(correct: nodes.correct, predicted: nodes.predicted)
    } catch {
      diagnostics.append(
        Diagnostic(
          code: "E301", error.message, at: entry.value.range, help: error.help,
          notes: error.notes))
    }
  }

  /// The value of the input layer called `name`, if there is one.
  private func inputLayerValue(_ name: String, in model: Model) -> ValueID? {
    guard let layer = model.layers.first(where: { $0.id == name }),
      ["Input", "f32"].contains(layer.type), let value = layer.output,
      model.graph[value].type.dtype == .float32
    else { return nil }
    return value
  }
}
