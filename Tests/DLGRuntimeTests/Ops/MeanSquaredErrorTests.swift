import DLGGraph
import DLGTestSupport

// The mean squared error against fixed targets.

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
    meanSquaredError)
}
