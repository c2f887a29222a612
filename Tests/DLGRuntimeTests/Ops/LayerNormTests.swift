import DLGGraph
import DLGTestSupport

// LayerNorm and RMSNorm over the last axis, on rank 2 and rank 3, with random γ and β so their
// gradients are not trivially 1 and 0.

/// A normalization of `shape` with random scale (and shift).
private func normalization(_ shape: [Int], centered: Bool) -> GradientCase {
  GradientCase("LayerNorm", "\(centered ? "layer" : "RMS"), \(shape)", tolerance: 2e-2) {
    var graph = Graph()
    let width = shape.last!
    let x = graph.addParameter("x", .fixed(shape), initializer: .heUniform(fanIn: 1))
    var inputs = [
      x, graph.addParameter("gamma", .fixed([width]), initializer: .heUniform(fanIn: 1)),
    ]
    if centered {
      inputs.append(graph.addParameter("beta", .fixed([width]), initializer: .heUniform(fanIn: 1)))
    }
    let y = try graph.apply(LayerNorm(centered: centered), inputs, name: "norm")[0]
    return GradientChecker(graph: graph, output: y)
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    normalization([4, 6], centered: true), normalization([2, 3, 5], centered: true),
    normalization([4, 6], centered: false), normalization([2, 3, 5], centered: false))
}
