import DLGGraph
import DLGTestSupport

// Add: both inputs get dy; a value read twice gets both.

/// `Add` of one value to itself: a value read twice gets the sum of both gradients.
private let addShared = GradientCase("Add", "one input read twice") {
  var graph = Graph()
  let x = graph.addParameter("x", .fixed([3, 4]), initializer: .heUniform(fanIn: 2))
  let y = try graph.applySingleOutput(Add(), [x, x], name: "double")
  return GradientChecker(graph: graph, output: y)
}

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    .op(Add(), inputs: [[3, 4], [3, 4]]), addShared)
}
