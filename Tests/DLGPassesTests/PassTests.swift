import DLGGraph
import DLGRuntime
import DLGTestSupport
import Testing

@testable import DLGPasses

/// Each pass on a small graph built for it.
@Suite struct PassTests {
  @Test func constantFoldingEvaluatesInputFreeNodes() throws {
    var graph = Graph()
    let one = try graph.applySingleOutput(Fill(1, .fixed([3])), [], name: "one")
    let two = try graph.applySingleOutput(Add(), [one, one], name: "two")
    let result = try PassTester(graph: graph, fetches: [two])
      .run(ConstantFolding(evaluator: KernelConstantEvaluator()))
    let context = result.context
    #expect(result.changes.count == 2)
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
    let same = try graph.applySingleOutput(
      Reshape([.batch, .fixed(2), .fixed(3)]), [x], name: "same")
    let flat = try graph.applySingleOutput(Reshape([.batch, .fixed(6)]), [same], name: "flat")
    let back = try graph.applySingleOutput(
      Reshape([.batch, .fixed(3), .fixed(2)]), [flat], name: "back")
    let result = try PassTester(graph: graph, fetches: [back]).run(AlgebraicSimplification())
    let context = result.context
    #expect(result.changes.count == 2)
    #expect(context.graph.nodes.map(\.name) == ["flat", "back"])
    #expect(context.graph.nodes[1].inputs == [x])
  }

  @Test func cseReusesIdenticalNodes() throws {
    var graph = Graph()
    let x = graph.addInput("x", .batched([4]))
    let a = try graph.applySingleOutput(ReLU(), [x], name: "a")
    let b = try graph.applySingleOutput(ReLU(), [x], name: "b")
    let sum = try graph.applySingleOutput(Add(), [a, b], name: "sum")
    let result = try PassTester(graph: graph, fetches: [sum])
      .run(CommonSubexpressionElimination())
    let context = result.context
    #expect(result.changes.count == 1)
    #expect(context.graph.nodes.count == 2)
    #expect(context.graph.nodes[1].inputs == [a, a])
  }

  @Test func fusionBuildsEpiloguesOnlyForSingleUseChains() throws {
    var graph = Graph()
    let x = graph.addInput("x", .batched([8]))
    let w = graph.addParameter("w", .fixed([8, 4]), initializer: .zeros)
    let b = graph.addParameter("b", .fixed([4]), initializer: .zeros)
    let product = try graph.applySingleOutput(MatMul(), [x, w], name: "fc/MatMul")
    let biased = try graph.applySingleOutput(BiasAdd(), [product, b], name: "fc/BiasAdd")
    let y = try graph.applySingleOutput(ReLU(), [biased], name: "fc/ReLU")
    let result = try PassTester(graph: graph, fetches: [y]).run(BiasActivationFusion())
    let context = result.context
    #expect(result.changes.count == 1)
    #expect(context.graph.nodes.count == 1)
    let fused = try #require(context.graph.nodes[0].op as? FusedMatMul)
    #expect(fused.activation == .relu)
    #expect(context.graph.nodes[0].outputs == [y])

    // When the biased value is also fetched, the ReLU must stay separate.
    let keep = try PassTester(graph: graph, fetches: [y, biased]).run(BiasActivationFusion())
    #expect(keep.context.graph.nodes.map(\.op.name) == ["FusedMatMul", "ReLU"])
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
    let a = try graph.applySingleOutput(ReLU(), [x], name: "a")
    _ = try graph.applySingleOutput(ReLU(), [x], name: "unused")
    let (context, reports) = GraphOptimizer.optimize(
      graph, fetches: [a], level: .none, evaluator: KernelConstantEvaluator())
    #expect(reports.isEmpty)
    #expect(context.graph.nodes.count == 2)
  }

  /// CSE keys on an op's typed attributes: equal attributes merge, different ones do not.
  @Test func cseComparesAttributesNotNames() throws {
    var graph = Graph()
    let x = graph.addInput("x", .batched([4]))
    let a = try graph.applySingleOutput(Scale(2), [x], name: "a")
    let b = try graph.applySingleOutput(Scale(2), [x], name: "b")
    let c = try graph.applySingleOutput(Scale(3), [x], name: "c")
    let sum = try graph.applySingleOutput(
      Add(), [try graph.applySingleOutput(Add(), [a, b], name: "ab"), c], name: "s")
    let result = try PassTester(graph: graph, fetches: [sum])
      .run(CommonSubexpressionElimination())
    #expect(result.changes.count == 1)
    #expect(result.context.graph.nodes.filter { $0.op is Scale }.count == 2)
  }

  /// Effects forbid what passes may do to an op: dropout is never merged or folded.
  @Test func impureOpsAreNeitherMergedNorFolded() throws {
    var graph = Graph()
    let x = graph.addInput("x", .batched([4]))
    let a = try graph.apply(Dropout(rate: 0.5, salt: 1), [x], name: "a")[0]
    let b = try graph.apply(Dropout(rate: 0.5, salt: 1), [x], name: "b")[0]
    let sum = try graph.applySingleOutput(Add(), [a, b], name: "sum")
    var context = OptimizationContext(graph: graph, fetches: [sum])
    #expect(CommonSubexpressionElimination().run(&context).isEmpty)
  }

  /// The whole optimizer on a small training step: every pass, outputs unchanged.
  @Test func optimizerKeepsATrainingStepsResults() throws {
    var graph = Graph()
    let x = graph.addInput("x", .batched([6]))
    let w = graph.addParameter("w", .fixed([6, 5]), initializer: .heUniform(fanIn: 6))
    let b = graph.addParameter("b", .fixed([5]), initializer: .zeros)
    let h = try graph.applySingleOutput(
      ReLU(),
      [
        try graph.applySingleOutput(
          BiasAdd(), [try graph.applySingleOutput(MatMul(), [x, w], name: "mm"), b],
          name: "bias")
      ], name: "relu")
    let labels = graph.addInput("labels", TensorType(.int32, [.batch]))
    let loss = try graph.applySingleOutput(SoftmaxCrossEntropy(), [h, labels], name: "loss")
    let training = try Autodiff.trainingGraph(
      forward: graph, loss: loss, fetches: [loss], optimizer: .adam(AdamSettings()))
    var tester = PassTester(graph: training.graph, fetches: [loss] + training.graph.parameters)
    tester.batch = 4
    tester.tolerance = 1e-5
    let result = try tester.runOptimizer()
    #expect(result.context.graph.nodes.count < training.graph.nodes.count)
  }
}
