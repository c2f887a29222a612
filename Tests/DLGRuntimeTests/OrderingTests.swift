import DLGGraph
import DLGPasses
import DLGRuntime
import DLGTestSupport
import Synchronization
import Testing

/// Which collectives ran, in order, across every plan of a test.
private let collectiveLog = Mutex<[Int]>([])

/// A stand-in for an all-reduce: a collective that records its id when it runs and leaves its
/// buffer as it is. Test-only op.
private struct RecordingCollective: NonDifferentiable, CPUKernel {
  static let opType = "RecordingCollective"
  static let signature = OpSignature(inputs: ["buffer"], outputs: [])
  var id: Int
  var fusionClass: FusionClass { .opaque }
  var family: OpFamily { .other }
  var effects: [Effect] { [.collective, .writesInput(0)] }

  func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] { [] }

  func makeKernel(_ binding: KernelBinding) -> Kernel {
    let id = id
    return { _ in collectiveLog.withLock { $0.append(id) } }
  }
}

/// Effects and ordering edges: what the scheduler must honour besides data and memory.
@Suite(.serialized) struct OrderingTests {
  /// Two collectives on disjoint buffers: the first listed waits for a long chain of products,
  /// the second for almost nothing, so only the ordering edge keeps them in listed order.
  static func twoCollectives() throws -> Graph {
    var graph = Graph()
    let type = TensorType(.float32, [.batch, .fixed(96)])
    let x = graph.addInput("x", type)
    let w = graph.addParameter(
      "w", .fixed([96, 96]), initializer: .glorotUniform(fanIn: 96, fanOut: 96))
    var slow = x
    for index in 0..<12 {
      slow = try graph.applySingleOutput(MatMul(), [slow, w], name: "slow\(index)")
    }
    let quick = try graph.applySingleOutput(ReLU(), [x], name: "quick")
    try graph.apply(RecordingCollective(id: 1), [slow], name: "allreduce1")
    try graph.apply(RecordingCollective(id: 2), [quick], name: "allreduce2")
    return graph
  }

  @Test(arguments: [1, 2, 3])
  func collectivesRunInListedOrderOnAnyThreadCount(threads: Int) throws {
    let graph = try Self.twoCollectives()
    try withThreadBudget(threads) {
      var random = TestRandom(3)
      let store = ParameterStore()
      store.allocate(for: graph, using: &random)
      let plan = Executable(graph: graph, batchSize: 64, fetches: [], store: store)
      collectiveLog.withLock { $0 = [] }
      for step in 1...50 { plan.run(RuntimeContext(step: step, training: true)) }
      let log = collectiveLog.withLock { $0 }
      #expect(log == Array(repeating: [1, 2], count: 50).flatMap { $0 })
    }
  }

  @Test func orderingEdgesChainCollectivesAndFollowAfterValues() throws {
    var graph = try Self.twoCollectives()
    let edges = ScheduleLevels.orderingEdges(graph)
    let first = try #require(graph.nodes.firstIndex { $0.name == "allreduce1" })
    let second = try #require(graph.nodes.firstIndex { $0.name == "allreduce2" })
    #expect(edges[second] == [first])
    // An explicit edge: a node runs after a value it does not read.
    let quick = try #require(graph.nodes.first { $0.name == "quick" }).outputs[0]
    let slow = try #require(graph.nodes.first { $0.name == "slow11" }).outputs[0]
    let late = try graph.applySingleOutput(ReLU(), [quick], name: "late", after: [slow])
    let producer = try #require(graph[late].producer)
    #expect(ScheduleLevels.orderingEdges(graph)[producer] == [graph[slow].producer!])
    #expect(ScheduleLevels(graph).levels[producer] > ScheduleLevels(graph).levels[first - 1])
  }

  @Test func effectsDecideWhatPassesMayTouch() {
    #expect(ReLU().isPure)
    #expect(!Dropout(rate: 0.5, salt: 1).isPure)
    #expect(Assign().writtenInputs == [0])
    #expect(RecordingCollective(id: 1).isCollective)
    #expect(AdamScalars(AdamSettings()).dependsOnStep)
  }
}
