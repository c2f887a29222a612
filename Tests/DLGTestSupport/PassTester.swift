import DLGGraph
import DLGPasses
import DLGRuntime

/// Tests a rewrite the way ONNX Runtime's `TransformerTester` does: build a small graph, run
/// one pass (or the whole optimizer), let the test look at the rewritten graph, and check that
/// every fetched value is the same before and after, on the same random inputs and weights.
public struct PassTester {
  public var graph: Graph
  public var fetches: [ValueID]
  public var batch = 2
  /// Largest relative difference allowed between the graph before and after.
  public var tolerance: Float = 1e-6

  public init(graph: Graph, fetches: [ValueID]) {
    self.graph = graph
    self.fetches = fetches
  }

  /// What the pass did.
  public struct Result {
    /// The rewritten graph with its fetches (renamed where the pass substituted values).
    public var context: OptimizationContext
    /// The pass's own account of its changes.
    public var changes: [String]
    /// The largest relative difference of any fetched element between before and after.
    public var worstDifference: Float
  }

  /// Runs `pass` and compares the outputs of the graph before and after it.
  public func run(_ pass: any GraphPass) throws -> Result {
    try run { context in pass.run(&context) }
  }

  /// Runs every pass of the optimizer (`-O1`) against the unoptimized graph (`-O0`).
  public func runOptimizer() throws -> Result {
    try run { context in
      let (optimized, reports) = GraphOptimizer.optimize(
        context.graph, fetches: context.fetches, level: .standard,
        evaluator: KernelConstantEvaluator())
      context = optimized
      return reports.flatMap(\.changes)
    }
  }

  /// Runs `rewrite` on a context of the graph and compares outputs before and after.
  public func run(_ rewrite: (inout OptimizationContext) -> [String]) throws -> Result {
    var context = OptimizationContext(graph: graph, fetches: fetches)
    let changes = rewrite(&context)
    let before = try outputs(of: graph, fetches: fetches)
    let after = try outputs(of: context.graph, fetches: context.fetches)
    var worst: Float = 0
    for (reference, rewritten) in zip(before, after) {
      guard reference.count == rewritten.count else {
        throw TestSupportError(
          "a fetched value changed size: \(reference.count) to \(rewritten.count)")
      }
      for (a, b) in zip(reference, rewritten) where !(a.isNaN && b.isNaN) {
        let difference = abs(a - b) / max(1, abs(a))
        worst = difference.isNaN ? .infinity : max(worst, difference)
      }
    }
    if !(worst <= tolerance) {
      throw TestSupportError(
        "the rewritten graph computes other values: relative difference \(worst)")
    }
    return Result(context: context, changes: changes, worstDifference: worst)
  }

  /// Every fetched value's elements after one step on seeded inputs and weights.
  public func outputs(of graph: Graph, fetches: [ValueID]) throws -> [[Float]] {
    var weights = TestRandom(11)
    let store = ParameterStore()
    store.allocate(for: graph, using: &weights)
    let plan = Executable(graph: graph, batchSize: batch, fetches: fetches, store: store)
    var inputs = TestRandom(5)
    for value in graph.values(where: { $0.role == .input }) {
      guard let buffer = plan.buffer(value) else { continue }
      for i in 0..<buffer.count {
        if buffer.dtype == .int32 {
          buffer.ints[i] = Int32(inputs.next() % 3)
        } else {
          buffer.floats[i] = Float.random(in: -1...1, using: &inputs)
        }
      }
    }
    plan.run(RuntimeContext(step: 1, training: true))
    return try fetches.map { value in
      guard let buffer = plan.buffer(value) else {
        throw TestSupportError("fetch \(graph[value].name) has no buffer")
      }
      return Array(UnsafeBufferPointer(start: buffer.floats, count: buffer.count))
    }
  }
}
