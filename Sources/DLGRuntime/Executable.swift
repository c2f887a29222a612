import DLGGraph
import DLGPasses
import Dispatch

/// A graph compiled for one batch size: memory planned into one arena, every kernel bound to
/// its buffers. Running a step does no allocation and no lookups: it calls the bound kernels
/// in order.
public final class Executable: @unchecked Sendable {
  public let graph: Graph
  public let batchSize: Int
  public let plan: MemoryPlan
  public let store: ParameterStore
  private let arena: UnsafeMutableRawPointer
  private var buffers: [ValueID: TensorBuffer] = [:]
  private var kernels: [Kernel] = []

  /// Plans memory and binds kernels. Persistent values must already be in `store`.
  public init(
    graph: Graph, batchSize: Int, fetches: [ValueID], store: ParameterStore,
    strategy: MemoryPlanner.Strategy = .greedyBySize
  ) {
    self.graph = graph
    self.batchSize = batchSize
    self.store = store
    plan = MemoryPlanner.plan(graph, batch: batchSize, fetches: fetches, strategy: strategy)
    arena = UnsafeMutableRawPointer.allocate(
      byteCount: max(plan.arenaBytes, MemoryPlanner.alignment),
      alignment: MemoryPlanner.alignment)
    arena.initializeMemory(as: UInt8.self, repeating: 0, count: max(plan.arenaBytes, 1))
    for (value, offset) in plan.offsets {
      let type = graph[value].type
      buffers[value] = TensorBuffer(
        base: arena + offset, dimensions: type.dimensions(batch: batchSize), dtype: type.dtype)
    }
    for (index, node) in graph.nodes.enumerated() {
      if let aliased = node.op.aliasedInput, let source = buffer(node.inputs[aliased]) {
        // A view: same bytes, its own shape.
        let type = graph[node.outputs[0]].type
        buffers[node.outputs[0]] = TensorBuffer(
          base: source.base, dimensions: type.dimensions(batch: batchSize), dtype: type.dtype)
      }
      let binding = KernelBinding(
        inputs: node.inputs.map { buffer($0)! }, outputs: node.outputs.map { buffer($0)! },
        scratch: plan.scratchOffsets[index].map {
          (arena + $0).assumingMemoryBound(to: Float.self)
        })
      kernels.append(node.op.makeKernel(binding))
    }
  }

  deinit { arena.deallocate() }

  /// The buffer holding a value during and after a step (arena or parameter store); nil for
  /// values this plan does not keep.
  public func buffer(_ value: ValueID) -> TensorBuffer? {
    buffers[value] ?? store.buffer(value)
  }

  /// Runs one step: every node in order.
  public func run(_ info: StepInfo) {
    for kernel in kernels { kernel(info) }
  }

  /// Runs one step and adds each node's wall time, in seconds, to `seconds` (indexed like
  /// `graph.nodes`): the per-op breakdown of `dlg bench`.
  public func runProfiled(_ info: StepInfo, seconds: inout [Double]) {
    if seconds.count != kernels.count { seconds = Array(repeating: 0, count: kernels.count) }
    for (index, kernel) in kernels.enumerated() {
      let start = DispatchTime.now().uptimeNanoseconds
      kernel(info)
      seconds[index] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
  }
}
