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
    guard labelName == expectedTarget else {
      diagnostics.append(
        Diagnostic(
          code: "E405", "the second argument of \(name.name) must be `\(expectedTarget)`",
          at: arguments[1].range,
          help: "\(expectedTarget) come from the data source; write `\(expectedTarget)`"))
      return
    }
    do {
      let nodes = try function.lower(named, Set(metrics), &model.graph, entry.range)
      switch function.target {
      case .labels: model.labels = nodes.target
      case .targets: model.targets = nodes.target
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
}
