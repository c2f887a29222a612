import DLGGraph
import DLGTestSupport

// Losses against fixed labels and targets.

/// A loss of `[rows, columns]` logits against integer labels.
private func classification(_ op: any Operator, rows: Int, columns: Int, labels: [Int32])
  -> GradientCase
{
  GradientCase(op.opType) {
    var graph = Graph()
    let logits = graph.addParameter(
      "logits", .fixed([rows, columns]), initializer: .heUniform(fanIn: 1))
    let input = graph.addInput("labels", TensorType(.int32, [.fixed(rows)]))
    let loss = try graph.applySingleOutput(op, [logits, input], name: op.name)
    var checker = GradientChecker(graph: graph, output: loss)
    checker.fixedInputs = [
      (input, { buffer in for (i, label) in labels.enumerated() { buffer.ints[i] = label } })
    ]
    return checker
  }
}

private let meanSquaredError = GradientCase("MeanSquaredError") {
  var graph = Graph()
  let p = graph.addParameter("p", .fixed([3, 2]), initializer: .heUniform(fanIn: 1))
  let t = graph.addInput("t", .fixed([3, 2]))
  let loss = try graph.applySingleOutput(MeanSquaredError(), [p, t], name: "mse")
  var checker = GradientChecker(graph: graph, output: loss)
  checker.fixedInputs = [
    (t, { buffer in for i in 0..<6 { buffer.floats[i] = Float(i) / 4 - 0.5 } })
  ]
  return checker
}

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    classification(SoftmaxCrossEntropy(), rows: 4, columns: 5, labels: [0, 3, 4, 1]),
    classification(BinaryCrossEntropyLoss(), rows: 5, columns: 1, labels: [0, 1, 1, 0, 1]),
    meanSquaredError)
}
