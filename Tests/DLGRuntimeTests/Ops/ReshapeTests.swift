import DLGGraph
import DLGTestSupport

// Reshape, a view.

/// A reshape is a view: its gradient reaches the reshaped parameter through the product after it.
private let reshape = GradientCase("Reshape") {
  var graph = Graph()
  let x = graph.addParameter("x", .fixed([2, 3, 4]), initializer: .heUniform(fanIn: 2))
  let r = try graph.applySingleOutput(Reshape([.fixed(6), .fixed(4)]), [x], name: "reshape")
  let w = graph.addParameter("w", .fixed([4, 2]), initializer: .heUniform(fanIn: 2))
  let y = try graph.applySingleOutput(MatMul(), [r, w], name: "mm")
  return GradientChecker(graph: graph, output: y)
}

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    reshape)
}
