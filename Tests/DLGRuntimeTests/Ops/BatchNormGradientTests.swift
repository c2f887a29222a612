import DLGGraph
import DLGTestSupport

// BatchNorm with batch statistics.

/// Batch normalization with batch statistics, on a dense batch or on NHWC images; γ and β
/// random so their gradients are not trivially 0 or 1.
private func batchNorm(_ shape: [Int]) -> GradientCase {
  // Each output depends on every input of its channel through the batch statistics: float32
  // differences of a sum over the batch are noisier than an elementwise op's.
  GradientCase("BatchNorm", "\(shape)", tolerance: 2e-2) {
    var graph = Graph()
    let channels = shape.last!
    let x = graph.addParameter("x", .fixed(shape), initializer: .heUniform(fanIn: 1))
    let gamma = graph.addParameter("gamma", .fixed([channels]), initializer: .heUniform(fanIn: 1))
    let beta = graph.addParameter("beta", .fixed([channels]), initializer: .heUniform(fanIn: 1))
    let mean = graph.addStatistic("mean", .fixed([channels]), initializer: .zeros)
    let variance = graph.addStatistic("variance", .fixed([channels]), initializer: .ones)
    let y = try graph.apply(BatchNorm(), [x, gamma, beta, mean, variance], name: "bn")[0]
    var checker = GradientChecker(graph: graph, output: y)
    checker.trainingMode = true
    return checker
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    batchNorm([6, 5]), batchNorm([2, 3, 3, 4]))
}
