import DLGGraph
import DLGKernels
import DLGPasses
import Dispatch

/// A graph compiled for one batch size: memory planned into one arena, every kernel bound to
/// its buffers, and the order between nodes reduced to the waits the data and the shared
/// memory need. Running a step does no allocation and no lookups: the `Scheduler` calls the
/// bound kernels as their inputs become ready.
public final class Executable: @unchecked Sendable {
  public let graph: Graph
  public let batchSize: Int
  public let plan: MemoryPlan
  public let store: ParameterStore
  private let arena: UnsafeMutableRawPointer
  private var buffers: [ValueID: TensorBuffer] = [:]
  private var kernels: [Kernel] = []
  private var scheduler: Scheduler!
  /// For each node, the nodes it waits for (listed order otherwise being free).
  public private(set) var predecessors: [[Int]] = []

  /// Plans memory and binds kernels. Persistent values must already be in `store`.
  public init(
    graph: Graph, batchSize: Int, fetches: [ValueID], store: ParameterStore,
    strategy: MemoryPlanner.Strategy = .greedyBySize
  ) {
    let (graph, scratch, plan) = Self.planned(
      graph, batchSize: batchSize, fetches: fetches, strategy: strategy)
    self.graph = graph
    self.batchSize = batchSize
    self.store = store
    self.plan = plan
    arena = UnsafeMutableRawPointer.allocate(
      byteCount: max(plan.arenaBytes, MemoryPlanner.alignment),
      alignment: MemoryPlanner.alignment)
    arena.initializeMemory(as: UInt8.self, repeating: 0, count: max(plan.arenaBytes, 1))
    for (value, offset) in plan.offsets {
      let type = graph[value].type
      buffers[value] = TensorBuffer(
        base: arena + offset, dimensions: type.dimensions(batch: batchSize), dtype: type.dtype)
    }
    var accesses: [[MemoryHazards.Access]] = []
    for (index, node) in graph.nodes.enumerated() {
      if let aliased = node.op.aliasedInput, let source = buffer(node.inputs[aliased]) {
        // A view: same bytes, its own shape.
        let type = graph[node.outputs[0]].type
        buffers[node.outputs[0]] = TensorBuffer(
          base: source.base, dimensions: type.dimensions(batch: batchSize), dtype: type.dtype)
      }
      var binding = KernelBinding(
        inputs: node.inputs.map { buffer($0)! }, outputs: node.outputs.map { buffer($0)! },
        scratch: plan.scratchOffsets[index].map {
          (arena + $0).assumingMemoryBound(to: Float.self)
        })
      if store.weightsAreFixed {
        let inputs = node.inputs
        binding.packedWeight = { [store] slot in store.panels(inputs[slot]) }
      }
      kernels.append(KernelTable.makeKernel(node.op, binding))
      accesses.append(Self.accesses(of: node, binding, scratchBytes: scratch[index] * 4))
    }
    // Memory decides most waits; ordering edges (collectives in listed order) add the rest.
    let ordering = ScheduleLevels.orderingEdges(graph)
    predecessors = zip(MemoryHazards(accesses: accesses).predecessors, ordering).map {
      Array(Set($0).union($1)).sorted()
    }
    scheduler = Scheduler(
      kernels: kernels, predecessors: predecessors,
      heavy: graph.nodes.indices.map { isHeavy($0) })
  }

  /// The graph in the order it will run, each node's scratch, and the memory plan: what the
  /// initializer allocates, and what `MemoryBudget` checks before anything is allocated.
  static func planned(
    _ graph: Graph, batchSize: Int, fetches: [ValueID], strategy: MemoryPlanner.Strategy
  ) -> (graph: Graph, scratch: [Int], plan: MemoryPlan) {
    // One thread runs nodes in listed order, which lets more tensors share memory; several
    // run them level by level, each level's tensors kept apart.
    let concurrent = ThreadBudget.threads > 1
    let ordered = concurrent ? ScheduleLevels.levelOrdered(graph) : graph
    let scratch = KernelTable.scratchCounts(ordered, batch: batchSize)
    let plan = MemoryPlanner.plan(
      ordered, batch: batchSize, fetches: fetches, strategy: strategy, concurrent: concurrent,
      scratch: scratch)
    return (ordered, scratch, plan)
  }

  /// Whether a node's kernel splits its work across threads: what the kernel says, else a
  /// matrix product of at least a million FLOPs, or a loop over at least 64K elements.
  private func isHeavy(_ index: Int) -> Bool {
    let node = graph.nodes[index]
    if let says = KernelTable.splitsAcrossThreads(
      node.op, inputs: node.inputs.map { graph[$0].type.dimensions(batch: batchSize) },
      outputs: node.outputs.map { graph[$0].type.dimensions(batch: batchSize) })
    {
      return says
    }
    if matrixProducts(ofNode: index).reduce(0, { $0 + $1.flops }) >= 1 << 20 { return true }
    let elements = (node.inputs + node.outputs).map {
      graph[$0].type.elementCount(batch: batchSize)
    }
    return elements.max() ?? 0 >= 1 << 16
  }

  /// The byte ranges a node reads and writes: its inputs, its outputs (not views, which
  /// write nothing), the inputs it updates in place, and its scratch.
  private static func accesses(of node: Node, _ binding: KernelBinding, scratchBytes: Int)
    -> [MemoryHazards.Access]
  {
    func range(_ buffer: TensorBuffer, writes: Bool) -> MemoryHazards.Access {
      let start = Int(bitPattern: buffer.base)
      return MemoryHazards.Access(start: start, end: start + buffer.count * 4, writes: writes)
    }
    var result = binding.inputs.map { range($0, writes: false) }
    for mutated in node.op.writtenInputs {
      result.append(range(binding.inputs[mutated], writes: true))
    }
    if node.op.aliasedInput == nil {
      result += binding.outputs.map { range($0, writes: true) }
    }
    if let scratch = binding.scratch, scratchBytes > 0 {
      let start = Int(bitPattern: scratch)
      result.append(MemoryHazards.Access(start: start, end: start + scratchBytes, writes: true))
    }
    return result
  }

  deinit { arena.deallocate() }

  /// The buffer holding a value during and after a step (arena or parameter store); nil for
  /// values this plan does not keep.
  public func buffer(_ value: ValueID) -> TensorBuffer? {
    buffers[value] ?? store.buffer(value)
  }

  /// The matrix products node `index` performs at this batch size.
  public func matrixProducts(ofNode index: Int) -> [MatrixProduct] {
    let node = graph.nodes[index]
    return KernelTable.matrixProducts(
      node.op, inputs: node.inputs.map { graph[$0].type.dimensions(batch: batchSize) },
      outputs: node.outputs.map { graph[$0].type.dimensions(batch: batchSize) })
  }

  /// Median seconds of node `index` run alone, `repetitions` times on the current buffers
  /// (after a full step has filled them): a kernel's speed without its neighbours.
  public func timeNode(_ index: Int, _ context: RuntimeContext, repetitions: Int = 20) -> Double {
    kernels[index](context)
    var times: [Double] = []
    for _ in 0..<max(repetitions, 1) {
      let start = DispatchTime.now().uptimeNanoseconds
      kernels[index](context)
      times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return times.sorted()[times.count / 2]
  }

  /// Runs one step: every node once, independent nodes at the same time.
  public func run(_ context: RuntimeContext) {
    scheduler.run(context)
  }

  /// Runs one step and adds each node's wall time, in seconds, to `seconds` (indexed like
  /// `graph.nodes`): the per-op breakdown of `dlg bench`. Nodes that ran at the same time each
  /// count their own time.
  public func runProfiled(_ context: RuntimeContext, seconds: inout [Double]) {
    if seconds.count != kernels.count { seconds = Array(repeating: 0, count: kernels.count) }
    seconds.withUnsafeMutableBufferPointer { scheduler.run(context, profile: $0.baseAddress) }
  }
}
