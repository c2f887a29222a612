import DLGGraph
import DLGRuntime
import DLGTestSupport
import Testing

@testable import DLGPasses

/// Checks that no two tensors alive at the same step share bytes.
func expectValid(
  _ graph: Graph, batch: Int, fetches: [ValueID], sourceLocation: SourceLocation = #_sourceLocation
) {
  let scratch = KernelTable.scratchCounts(graph, batch: batch)
  let plan = MemoryPlanner.plan(graph, batch: batch, fetches: fetches, scratch: scratch)
  let intervals = MemoryPlanner.liveIntervals(
    graph, batch: batch, fetches: fetches, scratch: scratch)
  func offset(_ interval: MemoryPlanner.Interval) -> Int? {
    if let node = interval.scratchNode { return plan.scratchOffsets[node] }
    return interval.values.first.flatMap { plan.offsets[$0] }
  }
  for (i, a) in intervals.enumerated() {
    guard let offsetA = offset(a) else {
      Issue.record("an interval was not placed", sourceLocation: sourceLocation)
      continue
    }
    #expect(offsetA % MemoryPlanner.alignment == 0, sourceLocation: sourceLocation)
    #expect(offsetA + a.bytes <= plan.arenaBytes, sourceLocation: sourceLocation)
    for b in intervals[(i + 1)...] {
      guard let offsetB = offset(b) else { continue }
      let aliveTogether = a.first <= b.last && b.first <= a.last
      let sharesBytes = offsetA < offsetB + b.bytes && offsetB < offsetA + a.bytes
      #expect(
        !(aliveTogether && sharesBytes), "overlap: \(a) and \(b)", sourceLocation: sourceLocation)
    }
  }
  #expect(plan.lowerBoundBytes <= plan.arenaBytes, sourceLocation: sourceLocation)
  #expect(plan.arenaBytes <= MemoryPlanner.align(plan.naiveBytes), sourceLocation: sourceLocation)
}

@Suite struct MemoryPlannerTests {
  @Test func chainReusesMemory() throws {
    var graph = Graph()
    var x = graph.addInput("x", .batched([256]))
    for i in 0..<8 { x = try graph.applySingleOutput(ReLU(), [x], name: "relu\(i)") }
    let plan = MemoryPlanner.plan(
      graph, batch: 4, fetches: [x], scratch: KernelTable.scratchCounts(graph, batch: 4))
    // Nine 4 KiB tensors in a chain: the first ReLU needs a buffer of its own (its input is
    // fed from outside), the other seven run in place in it.
    #expect(plan.naiveBytes == 9 * 4096)
    #expect(plan.lowerBoundBytes == 2 * 4096)
    #expect(plan.arenaBytes == 2 * 4096)
    #expect(Set((1..<9).map { plan.offsets[ValueID($0)] }).count == 1)
    let naive = MemoryPlanner.plan(
      graph, batch: 4, fetches: [x], strategy: .naive,
      scratch: KernelTable.scratchCounts(graph, batch: 4))
    #expect(naive.arenaBytes == 9 * 4096)
    expectValid(graph, batch: 4, fetches: [x])
  }

  @Test func viewsShareTheirSourceStorage() throws {
    var graph = Graph()
    let x = graph.addInput("x", .batched([4, 4]))
    let flat = try graph.applySingleOutput(Reshape([.batch, .fixed(16)]), [x], name: "flat")
    let y = try graph.applySingleOutput(ReLU(), [flat], name: "relu")
    let plan = MemoryPlanner.plan(
      graph, batch: 2, fetches: [y], scratch: KernelTable.scratchCounts(graph, batch: 2))
    #expect(plan.offsets[x] == plan.offsets[flat])
    #expect(plan.offsets[x] != plan.offsets[y])
    expectValid(graph, batch: 2, fetches: [y])
  }

  @Test(arguments: 0..<40)
  func randomGraphsGetValidPlans(seed: Int) throws {
    var generator = TestRandom(UInt64(seed))
    var graph = Graph()
    var pool = [graph.addInput("x", .batched([Int.random(in: 1...64, using: &generator)]))]
    let width = pool[0]
    let features: Int
    if case .fixed(let n) = graph[width].type.shape[1] { features = n } else { features = 1 }
    for i in 0..<Int.random(in: 2...30, using: &generator) {
      let a = pool.randomElement(using: &generator)!
      switch Int.random(in: 0..<3, using: &generator) {
      case 0: pool.append(try graph.applySingleOutput(ReLU(), [a], name: "relu\(i)"))
      case 1:
        let b = pool.randomElement(using: &generator)!
        pool.append(try graph.applySingleOutput(Add(), [a, b], name: "add\(i)"))
      default:
        let w = graph.addParameter("w\(i)", .fixed([features, features]), initializer: .zeros)
        pool.append(try graph.applySingleOutput(MatMul(), [a, w], name: "mm\(i)"))
      }
    }
    let fetches = [pool.last!, pool.randomElement(using: &generator)!]
    expectValid(graph, batch: Int.random(in: 1...16, using: &generator), fetches: fetches)
  }
}

@Suite struct DeadCodeEliminationTests {
  @Test func removesWhatNoFetchNeeds() throws {
    var graph = Graph()
    let x = graph.addInput("x", .batched([8]))
    let used = try graph.applySingleOutput(ReLU(), [x], name: "used")
    _ = try graph.applySingleOutput(ReLU(), [x], name: "unused")
    let pruned = DeadCodeElimination.run(graph, keeping: [used])
    #expect(pruned.nodes.map(\.name) == ["used"])
  }

  @Test func keepsOptimizerUpdates() throws {
    var graph = Graph()
    let w = graph.addParameter("w", .fixed([4]), initializer: .zeros)
    let g = graph.addInput("g", .fixed([4]))
    try graph.apply(Assign(), [w, g], name: "update")
    #expect(DeadCodeElimination.run(graph, keeping: []).nodes.count == 1)
  }
}
