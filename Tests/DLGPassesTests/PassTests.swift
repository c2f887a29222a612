import DLGGraph
import DLGRuntime
import Testing

@testable import DLGPasses

/// Each pass on a small graph built for it.
@Suite struct PassTests {
  @Test func constantFoldingEvaluatesInputFreeNodes() throws {
    var graph = Graph()
    let one = try graph.apply1(Fill(1, .fixed([3])), [], name: "one")
    let two = try graph.apply1(Add(), [one, one], name: "two")
    var context = OptimizationContext(graph: graph, fetches: [two])
    let changes = ConstantFolding(evaluator: KernelConstantEvaluator()).run(&context)
    #expect(changes.count == 2)
    #expect(context.graph.nodes.isEmpty)
    guard case .constant(let data) = context.graph[two].role else {
      Issue.record("not folded")
      return
    }
    #expect(data == [2, 2, 2])
  }

  @Test func simplificationRemovesNoOpReshapesAndMergesChains() throws {
    var graph = Graph()
    let x = graph.addInput("x", .batched([2, 3]))
    let same = try graph.apply1(Reshape([.batch, .fixed(2), .fixed(3)]), [x], name: "same")
    let flat = try graph.apply1(Reshape([.batch, .fixed(6)]), [same], name: "flat")
    let back = try graph.apply1(Reshape([.batch, .fixed(3), .fixed(2)]), [flat], name: "back")
    var context = OptimizationContext(graph: graph, fetches: [back])
    let changes = AlgebraicSimplification().run(&context)
    #expect(changes.count == 2)
    #expect(context.graph.nodes.map(\.name) == ["flat", "back"])
    #expect(context.graph.nodes[1].inputs == [x])
  }

  @Test func cseReusesIdenticalNodes() throws {
    var graph = Graph()
    let x = graph.addInput("x", .batched([4]))
    let a = try graph.apply1(ReLU(), [x], name: "a")
    let b = try graph.apply1(ReLU(), [x], name: "b")
    let sum = try graph.apply1(Add(), [a, b], name: "sum")
    var context = OptimizationContext(graph: graph, fetches: [sum])
    #expect(CommonSubexpressionElimination().run(&context).count == 1)
    #expect(context.graph.nodes.count == 2)
    #expect(context.graph.nodes[1].inputs == [a, a])
  }

  @Test func fusionBuildsEpiloguesOnlyForSingleUseChains() throws {
    var graph = Graph()
    let x = graph.addInput("x", .batched([8]))
    let w = graph.addParameter("w", .fixed([8, 4]), initializer: .zeros)
    let b = graph.addParameter("b", .fixed([4]), initializer: .zeros)
    let product = try graph.apply1(MatMul(), [x, w], name: "fc/MatMul")
    let biased = try graph.apply1(BiasAdd(), [product, b], name: "fc/BiasAdd")
    let y = try graph.apply1(ReLU(), [biased], name: "fc/ReLU")
    var context = OptimizationContext(graph: graph, fetches: [y])
    #expect(BiasActivationFusion().run(&context).count == 1)
    #expect(context.graph.nodes.count == 1)
    let fused = try #require(context.graph.nodes[0].op as? FusedMatMul)
    #expect(fused.activation == .relu)
    #expect(context.graph.nodes[0].outputs == [y])

    // When the biased value is also fetched, the ReLU must stay separate.
    var keep = OptimizationContext(graph: graph, fetches: [y, biased])
    _ = BiasActivationFusion().run(&keep)
    #expect(keep.graph.nodes.map(\.op.name) == ["FusedMatMul", "ReLU"])
  }

  /// Each parameter's Adam update, a dozen elementwise ops, becomes one loop that reads the
  /// step's scalars and updates the parameter and both moments in place.
  @Test func eachOptimizerUpdateFusesIntoOneLoop() throws {
    var graph = Graph()
    let optimizer = OptimizerSpec.adam(AdamSettings())
    let scalars = try optimizer.appendScalars(to: &graph)
    for i in 0..<3 {
      let p = graph.addParameter("p\(i)", .fixed([5]), initializer: .zeros)
      let g = graph.addInput("g\(i)", .fixed([5]))
      let state = optimizer.appendState(for: p, to: &graph)
      try optimizer.appendUpdate(
        parameter: p, gradient: g, state: state, scalars: scalars, to: &graph)
    }
    #expect(graph.nodes.count == 1 + 3 * 12)
    var context = OptimizationContext(graph: graph, fetches: [])
    #expect(ElementwiseFusion().run(&context).count == 3)
    let fused = context.graph.nodes.filter { $0.op is FusedElementwise }
    #expect(fused.count == 3)
    #expect(fused.allSatisfy { $0.op.writtenInputs.count == 3 && $0.outputs.isEmpty })
    #expect(context.graph.nodes.count == 4)
  }

  @Test func noPassesAtO0() throws {
    var graph = Graph()
    let x = graph.addInput("x", .batched([4]))
    let a = try graph.apply1(ReLU(), [x], name: "a")
    _ = try graph.apply1(ReLU(), [x], name: "unused")
    let (context, reports) = GraphOptimizer.optimize(
      graph, fetches: [a], level: .none, evaluator: KernelConstantEvaluator())
    #expect(reports.isEmpty)
    #expect(context.graph.nodes.count == 2)
  }
}
