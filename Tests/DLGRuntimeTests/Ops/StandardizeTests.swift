import DLGGraph
import DLGTestSupport

// Standardize by fixed statistics.

/// Standardization by fixed statistics: only the input gets a gradient.
private let standardize = GradientCase("Standardize") {
  var graph = Graph()
  let x = graph.addParameter("x", .fixed([4, 3]), initializer: .heUniform(fanIn: 1))
  let mean = graph.addStatistic("mean", .fixed([3]), initializer: .zeros)
  let variance = graph.addStatistic("variance", .fixed([3]), initializer: .ones)
  let y = try graph.applySingleOutput(Standardize(), [x, mean, variance], name: "std")
  return GradientChecker(graph: graph, output: y)
}

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    standardize)
}
