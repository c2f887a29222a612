import DLGGraph
import DLGRuntime
import DLGTestSupport
import Foundation
import Testing

// GroupNorm on images: gradients with random γ and β, and values against the definition.

private func groupNorm(_ shape: [Int], groups: Int) -> GradientCase {
  GradientCase("GroupNorm", "\(groups) groups, \(shape)", tolerance: 2e-2) {
    var graph = Graph()
    let channels = shape.last!
    let inputs = [
      graph.addParameter("x", .fixed(shape), initializer: .heUniform(fanIn: 1)),
      graph.addParameter("gamma", .fixed([channels]), initializer: .heUniform(fanIn: 1)),
      graph.addParameter("beta", .fixed([channels]), initializer: .heUniform(fanIn: 1)),
    ]
    let y = try graph.apply(GroupNorm(groups: groups), inputs, name: "norm")[0]
    return GradientChecker(graph: graph, output: y)
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(groupNorm([2, 3, 2, 4], groups: 2), groupNorm([1, 2, 2, 6], groups: 3))
}

@Suite struct GroupNormValueTests {
  /// Each sample's group has mean 0 and variance 1 over its positions and channels (γ 1, β 0).
  @Test func normalizesEachGroupOfEachSample() throws {
    var graph = Graph()
    let x = graph.addInput("x", .fixed([2, 3, 3, 4]))
    let gamma = graph.addInput("gamma", .fixed([4]))
    let beta = graph.addInput("beta", .fixed([4]))
    let y = try graph.apply(GroupNorm(groups: 2), [x, gamma, beta], name: "gn")[0]
    let plan = Executable(graph: graph, batchSize: 1, fetches: [y], store: ParameterStore())
    var random = TestRandom(8)
    let values = random.floats(72).map { $0 * 3 + 1 }
    for i in values.indices { plan.buffer(x)!.floats[i] = values[i] }
    for c in 0..<4 { (plan.buffer(gamma)!.floats[c], plan.buffer(beta)!.floats[c]) = (1, 0) }
    plan.run(RuntimeContext(step: 1, training: false))
    let out = plan.buffer(y)!.floats
    for sample in 0..<2 {
      for group in 0..<2 {
        var items: [Float] = []
        for position in 0..<9 {
          for j in 0..<2 { items.append(out[sample * 36 + position * 4 + group * 2 + j]) }
        }
        let mean = items.reduce(0, +) / 18
        let variance = items.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 18
        #expect(abs(mean) < 1e-5 && abs(variance - 1) < 1e-3, "\(mean) \(variance)")
      }
    }
  }

  @Test func groupsMustDivideTheChannels() {
    #expect(throws: GraphError.self) {
      var graph = Graph()
      let x = graph.addInput("x", .fixed([1, 2, 2, 6]))
      let p = graph.addInput("p", .fixed([6]))
      _ = try graph.apply(GroupNorm(groups: 4), [x, p, p], name: "gn")
    }
  }
}
