import DLGGraph
import DLGRuntime
import DLGTestSupport
import Testing

@testable import DLGPasses

/// The loss, its gradient and the correct count become one pass over the logits, computing
/// the same values; per sample and per position alike.
@Suite struct LossGradientFusionTests {
  static func graph(positions: Int?, counting: Bool) throws -> (Graph, [ValueID]) {
    var graph = Graph()
    let rows: [Dimension] = [.batch] + (positions.map { [.fixed($0)] } ?? [])
    let logits = graph.addInput("logits", TensorType(.float32, rows + [.fixed(7)]))
    let labels = graph.addInput("labels", TensorType(.int32, rows))
    let dLoss = graph.addInput("dLoss", .scalar)
    let loss = try graph.applySingleOutput(SoftmaxCrossEntropy(), [logits, labels], name: "loss")
    var fetches = [loss]
    if counting {
      fetches.append(
        try graph.applySingleOutput(CorrectCount(), [logits, labels], name: "accuracy"))
    }
    fetches.append(
      try graph.applySingleOutput(
        SoftmaxCrossEntropyGradient(), [logits, labels, dLoss], name: "grad/loss/dLogits"))
    return (graph, fetches)
  }

  @Test(arguments: [(nil, true), (5, true), (5, false)] as [(Int?, Bool)])
  func threeNodesBecomeOne(positions: Int?, counting: Bool) throws {
    let (graph, fetches) = try Self.graph(positions: positions, counting: counting)
    var tester = PassTester(graph: graph, fetches: fetches)
    tester.batch = 3
    tester.tolerance = 1e-5
    let result = try tester.run(LossGradientFusion())
    #expect(result.changes.count == 1)
    let nodes = result.context.graph.nodes
    #expect(nodes.count == 1)
    #expect((nodes.first?.op as? FusedSoftmaxCrossEntropy)?.countsCorrect == counting)
  }

  /// A loss without its gradient (evaluation) is left alone.
  @Test func evaluationGraphsAreUntouched() throws {
    var graph = Graph()
    let logits = graph.addInput("logits", .batched([4]))
    let labels = graph.addInput("labels", TensorType(.int32, [.batch]))
    let loss = try graph.applySingleOutput(SoftmaxCrossEntropy(), [logits, labels], name: "loss")
    var context = OptimizationContext(graph: graph, fetches: [loss])
    #expect(LossGradientFusion().run(&context).isEmpty)
    #expect(context.graph.nodes.count == 1)
  }
}
