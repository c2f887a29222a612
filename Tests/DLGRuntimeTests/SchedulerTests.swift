import DLGGraph
import DLGKernels
import DLGPasses
import DLGTestSupport
import Dispatch
import Synchronization
import Testing

@testable import DLGRuntime

/// The dependency-counting scheduler: nodes may run out of listed order, on several threads,
/// and must still compute exactly what listed order computes.
@Suite(.serialized) struct SchedulerTests {
  /// A random graph of matrix products, sums, products and activations over `[batch, 48]`
  /// tensors, with every value that nothing reads fetched.
  static func randomGraph(seed: UInt64, nodes: Int) throws -> (Graph, [ValueID]) {
    var random = TestRandom(seed)
    var graph = Graph()
    let width = 48
    var values = [graph.addInput("x", TensorType(.float32, [.batch, .fixed(width)]))]
    let weights = (0..<3).map {
      graph.addParameter(
        "w\($0)", TensorType(.float32, [.fixed(width), .fixed(width)]),
        initializer: .glorotUniform(fanIn: width, fanOut: width))
    }
    for index in 0..<nodes {
      // Prefer recent values so chains form, but reach back so branches do too.
      func pick() -> ValueID {
        values[max(0, values.count - 1 - Int(random.next() % UInt64(min(values.count, 6))))]
      }
      let name = "n\(index)"
      switch random.next() % 6 {
      case 0, 1:
        let w = weights[Int(random.next() % 3)]
        values.append(try graph.applySingleOutput(MatMul(), [pick(), w], name: name))
      case 2: values.append(try graph.applySingleOutput(Add(), [pick(), pick()], name: name))
      case 3: values.append(try graph.applySingleOutput(Multiply(), [pick(), pick()], name: name))
      case 4: values.append(try graph.applySingleOutput(ReLU(), [pick()], name: name))
      default:
        values.append(try graph.applySingleOutput(SmoothActivation(.tanh), [pick()], name: name))
      }
    }
    let read = Set(graph.nodes.flatMap(\.inputs))
    let fetches = values.dropFirst().filter { !read.contains($0) }
    return (graph, fetches)
  }

  /// Runs a graph and returns every fetched value's elements.
  static func outputs(_ graph: Graph, _ fetches: [ValueID], batch: Int, steps: Int = 1) throws
    -> [[Float]]
  {
    var random = TestRandom(99)
    let store = ParameterStore()
    store.allocate(for: graph, using: &random)
    let plan = Executable(graph: graph, batchSize: batch, fetches: fetches, store: store)
    var result: [[Float]] = []
    for _ in 0..<steps {
      let x = try #require(plan.buffer(ValueID(0)))
      var inputs = TestRandom(5)
      for i in 0..<x.count { x.floats[i] = Float.random(in: -1...1, using: &inputs) }
      plan.run(RuntimeContext(step: 1, training: true))
      result = try fetches.map { value in
        let buffer = try #require(plan.buffer(value))
        return Array(UnsafeBufferPointer(start: buffer.floats, count: buffer.count))
      }
    }
    return result
  }

  /// Out-of-order execution on 2 and 3 threads gives bit-identical results to one thread
  /// running the nodes in order, on graphs whose memory plan reuses buffers heavily (random
  /// graphs of 80 nodes, run repeatedly so different interleavings occur).
  @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
  func concurrentRunsMatchListedOrder(seed: UInt64) throws {
    let (graph, fetches) = try Self.randomGraph(seed: seed, nodes: 80)
    let expected = try withThreadBudget(1, deterministic: true) {
      try Self.outputs(graph, fetches, batch: 3)
    }
    for threads in [2, 3] {
      let actual = try withThreadBudget(threads, deterministic: true) {
        try Self.outputs(graph, fetches, batch: 3, steps: 20)
      }
      let differing = zip(actual, expected).filter { $0 != $1 }.count
      #expect(differing == 0, "seed \(seed), \(threads) threads: \(differing) outputs differ")
    }
  }

  /// Two independent branches wait for nothing of each other; the join waits for both.
  @Test func independentBranchesDoNotWaitForEachOther() throws {
    var graph = Graph()
    let x = graph.addInput("x", TensorType(.float32, [.batch, .fixed(8)]))
    let a1 = try graph.applySingleOutput(ReLU(), [x], name: "a1")
    let a2 = try graph.applySingleOutput(SmoothActivation(.tanh), [a1], name: "a2")
    let b1 = try graph.applySingleOutput(SmoothActivation(.sigmoid), [x], name: "b1")
    let b2 = try graph.applySingleOutput(SmoothActivation(.tanh), [b1], name: "b2")
    let joined = try graph.applySingleOutput(Add(), [a2, b2], name: "join")
    let plan = withThreadBudget(2) {
      Executable(graph: graph, batchSize: 4, fetches: [joined], store: ParameterStore())
    }
    // The plan lists nodes level by level; look them up by name.
    func waits(_ name: String) -> Set<String> {
      let index = plan.graph.nodes.firstIndex { $0.name == name }!
      return Set(plan.predecessors[index].map { plan.graph.nodes[$0].name })
    }
    #expect(waits("a1") == [])
    #expect(waits("a2") == ["a1"])
    #expect(waits("b1") == [])
    #expect(waits("b2") == ["b1"])
    #expect(waits("join") == ["a2", "b2"])
    // Tensors of the two branches are alive together, so the plan keeps them apart.
    let offsets = [a1, b1].map { plan.plan.offsets[$0]! }
    #expect(offsets[0] != offsets[1])
  }

  /// The waits shared memory needs: read after write, write after read, write after write,
  /// and partial overlaps.
  @Test func hazardsFollowTheBytesEachNodeTouches() {
    typealias A = MemoryHazards.Access
    let hazards = MemoryHazards(accesses: [
      [A(start: 0, end: 100, writes: true)],  // 0 writes [0, 100)
      [A(start: 0, end: 100, writes: false), A(start: 200, end: 300, writes: true)],  // 1
      [A(start: 0, end: 100, writes: false)],  // 2 reads what 0 wrote
      [A(start: 50, end: 150, writes: true)],  // 3 overwrites part of it: after 0, 1, 2
      [A(start: 200, end: 300, writes: false)],  // 4 reads what 1 wrote
      [A(start: 400, end: 500, writes: true)],  // 5 touches nothing shared
      [A(start: 120, end: 130, writes: false)],  // 6 reads inside what 3 wrote
    ])
    #expect(hazards.predecessors[1] == [0])
    #expect(hazards.predecessors[2] == [0])
    #expect(hazards.predecessors[3] == [0, 1, 2])
    #expect(hazards.predecessors[4] == [1])
    #expect(hazards.predecessors[5] == [])
    #expect(hazards.predecessors[6] == [3])
  }

  /// An optimizer update overwrites its parameter only after every node that reads the old
  /// value, and nodes listed after it read the new one.
  @Test func updatesWaitForEveryReaderOfTheirParameter() throws {
    var graph = Graph()
    let x = graph.addInput("x", TensorType(.float32, [.batch, .fixed(4)]))
    let w = graph.addParameter(
      "w", TensorType(.float32, [.fixed(4), .fixed(4)]),
      initializer: .glorotUniform(fanIn: 4, fanOut: 4))
    let y = try graph.applySingleOutput(MatMul(), [x, w], name: "y")
    let g = try graph.applySingleOutput(MatMul(transposeA: true), [x, y], name: "g")
    try graph.apply(Assign(), [w, g], name: "update")
    let after = try graph.applySingleOutput(MatMul(), [x, w], name: "after")
    let levels = ScheduleLevels(graph)
    #expect(levels.predecessors[2] == [0, 1])
    #expect(levels.predecessors[3] == [2])
    let store = ParameterStore()
    var random = TestRandom(1)
    store.allocate(for: graph, using: &random)
    let plan = withThreadBudget(2) {
      Executable(graph: graph, batchSize: 2, fetches: [after], store: store)
    }
    #expect(plan.predecessors[2].contains(0) && plan.predecessors[2].contains(1))
    #expect(plan.predecessors[3].contains(2))
  }

  /// Short-lived plans run from several threads at once share the pool; each plan may be freed
  /// the moment its run returns (a worker must hold nothing of it by then).
  @Test func shortLivedPlansFromSeveralThreads() throws {
    let (graph, fetches) = try Self.randomGraph(seed: 9, nodes: 30)
    let expected = try withThreadBudget(2) { try Self.outputs(graph, fetches, batch: 2) }
    let mismatches = Atomic<Int>(0)
    withThreadBudget(2) {
      DispatchQueue.concurrentPerform(iterations: 4) { _ in
        for _ in 0..<25 {
          let actual = try? Self.outputs(graph, fetches, batch: 2)
          if actual != expected { mismatches.wrappingAdd(1, ordering: .relaxed) }
        }
      }
    }
    #expect(mismatches.load(ordering: .relaxed) == 0)
  }
}
