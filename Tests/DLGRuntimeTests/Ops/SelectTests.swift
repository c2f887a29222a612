import DLGGraph
import DLGTestSupport

// Select: the chosen input gets dy, the condition nothing.

/// `Select` between two parameters on a fixed condition (zeros and ones).
private let select = GradientCase("Select") {
  var graph = Graph()
  let condition = graph.addInput("condition", .fixed([3, 4]))
  let a = graph.addParameter("a", .fixed([3, 4]), initializer: .heUniform(fanIn: 1))
  let b = graph.addParameter("b", .fixed([3, 4]), initializer: .heUniform(fanIn: 1))
  let y = try graph.applySingleOutput(Select(), [condition, a, b], name: "select")
  var checker = GradientChecker(graph: graph, output: y)
  checker.fixedInputs = [
    (condition, { buffer in for i in 0..<12 { buffer.floats[i] = Float(i % 3 == 0 ? 1 : 0) } })
  ]
  return checker
}

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    select)
}
