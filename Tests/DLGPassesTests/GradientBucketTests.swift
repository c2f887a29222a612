import DLGGraph
import DLGRuntime
import DLGTestSupport
import Testing

@testable import DLGPasses

/// The data-parallel step's buckets (`AverageGradientsAcrossProcesses`): production order,
/// sizes, and where each start and wait is listed; and the step still computes what it did
/// (a plan without a communicator sums over one process: itself).
@Suite struct GradientBucketTests {
  /// x → dense 32 → ReLU → dense 10 → softmax cross-entropy; Adam.
  static func training(bucketBytes: Int?) throws -> (TrainingGraph, ValueID) {
    var graph = Graph()
    let x = graph.addInput("x", .batched([40]))
    let w1 = graph.addParameter("w1", .fixed([40, 32]), initializer: .heUniform(fanIn: 40))
    let b1 = graph.addParameter("b1", .fixed([32]), initializer: .zeros)
    let w2 = graph.addParameter("w2", .fixed([32, 10]), initializer: .heUniform(fanIn: 32))
    let b2 = graph.addParameter("b2", .fixed([10]), initializer: .zeros)
    let h = try graph.applySingleOutput(
      ReLU(),
      [
        try graph.applySingleOutput(
          BiasAdd(), [try graph.applySingleOutput(MatMul(), [x, w1], name: "mm1"), b1],
          name: "bias1")
      ], name: "relu")
    let logits = try graph.applySingleOutput(
      BiasAdd(), [try graph.applySingleOutput(MatMul(), [h, w2], name: "mm2"), b2],
      name: "bias2")
    let labels = graph.addInput("labels", TensorType(.int32, [.batch]))
    let loss = try graph.applySingleOutput(SoftmaxCrossEntropy(), [logits, labels], name: "loss")
    let transforms: [any GradientTransform] =
      bucketBytes.map { [AverageGradientsAcrossProcesses(bucketBytes: $0, firstBucketBytes: $0)] }
      ?? []
    let training = try Autodiff.trainingGraph(
      forward: graph, loss: loss, fetches: [loss], optimizer: .adam(AdamSettings()),
      gradientTransforms: transforms)
    return (training, loss)
  }

  @Test func bucketsFollowTheBackwardPass() throws {
    // 1 KB buckets, in the order the gradients are produced: b2 (40 bytes) and w2 (1,280)
    // close the first; b1 (128) and w1 (5,120) the second.
    let (training, _) = try Self.training(bucketBytes: 1024)
    let graph = training.graph
    let starts = graph.nodes.indices.filter { graph.nodes[$0].op is AllReduceStart }
    let waits = graph.nodes.indices.filter { graph.nodes[$0].op is AllReduceWait }
    #expect(starts.count == 2 && waits.count == 2)
    let names = starts.map { Set(graph.nodes[$0].inputs.map { graph[$0].name }) }
    #expect(names[0].count == 2 && names[1].count == 2, "\(names)")
    for (number, start) in starts.enumerated() {
      let node = graph.nodes[start]
      #expect((node.op as? AllReduceStart)?.bucket == number)
      // Right after the node producing its last gradient.
      let producers = node.inputs.compactMap { graph[$0].producer }
      #expect(producers.max() == start - 1)
    }
    // The output layer's weight gradient is computed before the input gradient that only
    // the next bucket needs, so the first sum starts before that product.
    let dA = try #require(graph.nodes.firstIndex { $0.name == "grad/mm2/dA" })
    #expect(dA > starts[0], "\(graph.nodes.map(\.name))")
    // Every wait after every start, and before the updates of its gradients.
    #expect(waits.min()! > starts.max()!)
    for wait in waits {
      for gradient in graph.nodes[wait].inputs {
        let readers = graph.nodes.indices.filter {
          $0 != wait && graph.nodes[$0].inputs.contains(gradient)
            && !(graph.nodes[$0].op is AllReduceStart)
        }
        #expect(readers.allSatisfy { $0 > wait })
      }
    }
    // A valid order: every input produced before it is read.
    for (index, node) in graph.nodes.enumerated() {
      for input in node.inputs { #expect((graph[input].producer ?? -1) < index) }
    }
  }

  /// With one process, the step with buckets computes what the step without them does, and
  /// the whole optimizer keeps it so.
  @Test func aStepWithBucketsComputesTheSame() throws {
    let (plain, loss) = try Self.training(bucketBytes: nil)
    let (bucketed, _) = try Self.training(bucketBytes: 512)
    for training in [plain, bucketed] {
      var tester = PassTester(graph: training.graph, fetches: [loss] + training.graph.parameters)
      tester.batch = 4
      tester.tolerance = 1e-5
      _ = try tester.runOptimizer()
    }
    var tester = PassTester(graph: plain.graph, fetches: [])
    tester.batch = 4
    let fetches = [loss] + plain.graph.parameters
    let (a, b) = (
      try tester.outputs(of: plain.graph, fetches: fetches),
      try tester.outputs(of: bucketed.graph, fetches: fetches)
    )
    #expect(a.count == b.count)
    for (x, y) in zip(a, b) {
      #expect(x.count == y.count)
      for (u, v) in zip(x, y) { #expect(abs(u - v) <= 1e-6 * max(abs(v), 1)) }
    }
  }
}
