import DLGData
import DLGGraph
import DLGKernels
import DLGPasses
import DLGRuntime
import Synchronization

/// Runs a graph that did not come from a `.dlg` file (an imported ONNX model): named inputs
/// in, named outputs out, the graph optimized once and memory-planned once per batch size, the
/// weights given as data. Calls may come from several threads; they take turns on the plans.
public final class GraphRunner: @unchecked Sendable {
  public let graph: Graph
  public let inputs: [ValueID]
  public let outputs: [ValueID]
  private let store = ParameterStore()
  private let plans = Mutex<[Int: Executable]>([:])

  /// Optimizes `graph` for `outputs` and stores `weights` (each parameter's data).
  public init(graph: Graph, inputs: [ValueID], outputs: [ValueID], weights: [ValueID: [Float]]) {
    let (optimized, _) = GraphOptimizer.optimize(
      graph, fetches: outputs, level: .standard, evaluator: KernelConstantEvaluator())
    self.graph = optimized.graph
    self.inputs = inputs.map { optimized.resolve($0) }
    self.outputs = outputs.map { optimized.resolve($0) }
    var generator = SeededGenerator(seed: 0)
    store.allocate(for: self.graph, using: &generator)
    for (value, data) in weights {
      if let buffer = store.buffer(value) { Self.fill(buffer, with: data) }
    }
  }

  /// Copies `values` into a buffer: floats as they are, ids through `integer`.
  static func fill(_ buffer: TensorBuffer, with values: [Float]) {
    let count = min(buffer.count, values.count)
    if buffer.dtype == .int32 {
      for i in 0..<count { buffer.ints[i] = integer(values[i]) }
    } else {
      values.withUnsafeBufferPointer { buffer.floats.update(from: $0.baseAddress!, count: count) }
    }
  }

  /// A float as an id: rounded, clamped to Int32's range, NaN as 0 (never a trap).
  static func integer(_ value: Float) -> Int32 {
    guard value.isFinite else { return value.isNaN ? 0 : (value > 0 ? .max : .min) }
    return Int32(max(min(value.rounded(), 2_147_483_520), -2_147_483_520))
  }

  /// The batch size a set of inputs implies: the first axis of a batched input, or 1.
  public func batchSize(forInputCounts counts: [Int]) -> Int? {
    for (input, count) in zip(inputs, counts) {
      let type = graph[input].type
      guard type.isBatched else { continue }
      let perItem = max(type.elementsPerItem, 1)
      guard count % perItem == 0, count / perItem >= 1 else { return nil }
      return count / perItem
    }
    return 1
  }

  /// The compiled plan for a batch size (made on first use), for timing its nodes.
  public func plan(batchSize: Int) -> Executable {
    plans.withLock { plans in plan(batchSize: batchSize, in: &plans) }
  }

  private func plan(batchSize: Int, in plans: inout [Int: Executable]) -> Executable {
    if let plan = plans[batchSize] { return plan }
    let plan = Executable(graph: graph, batchSize: batchSize, fetches: outputs, store: store)
    plans[batchSize] = plan
    return plan
  }

  /// Runs one batch: `data[i]` holds input `i` (floats; integer inputs are rounded), and the
  /// result holds each output's elements.
  public func run(_ data: [[Float]], batchSize: Int) -> [[Float]] {
    plans.withLock { plans in
      let plan = plan(batchSize: batchSize, in: &plans)
      for (input, values) in zip(inputs, data) {
        if let buffer = plan.buffer(input) { Self.fill(buffer, with: values) }
      }
      plan.run(RuntimeContext(step: 0, training: false))
      return outputs.map { output in
        guard let buffer = plan.buffer(output) ?? store.buffer(output) else { return [] }
        if buffer.dtype == .int32 {
          return (0..<buffer.count).map { Float(buffer.ints[$0]) }
        }
        return Array(UnsafeBufferPointer(start: buffer.floats, count: buffer.count))
      }
    }
  }
}
