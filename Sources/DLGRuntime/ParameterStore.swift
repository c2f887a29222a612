import DLGGraph
import DLGPasses

/// Storage for everything that outlives a step: trainable parameters and optimizer state.
/// Each tensor has its own aligned buffer, shared by every executable built from the same
/// forward graph (training and evaluation plans read the same weights).
public final class ParameterStore: @unchecked Sendable {
  private var buffers: [ValueID: UnsafeMutableRawPointer] = [:]
  private var types: [ValueID: TensorType] = [:]
  private var names: [ValueID: String] = [:]

  public init() {}

  deinit {
    for buffer in buffers.values { buffer.deallocate() }
  }

  /// Makes sure every persistent value of `graph` has storage; new parameters are initialized
  /// from `generator`, new state is zeroed. Existing buffers are kept.
  public func allocate(for graph: Graph, using generator: inout some RandomNumberGenerator) {
    for (index, value) in graph.values.enumerated() where value.isPersistent {
      let id = ValueID(index)
      guard buffers[id] == nil else { continue }
      let count = value.type.elementsPerItem
      let raw = UnsafeMutableRawPointer.allocate(
        byteCount: max(count, 1) * 4, alignment: MemoryPlanner.alignment)
      let floats = raw.bindMemory(to: Float.self, capacity: max(count, 1))
      floats.initialize(repeating: 0, count: max(count, 1))
      switch value.role {
      case .parameter(let initializer), .statistic(let initializer):
        Self.initialize(floats, count: count, initializer, using: &generator)
      case .constant(let data):
        floats.update(from: data, count: min(count, data.count))
      default: break
      }
      buffers[id] = raw
      types[id] = value.type
      names[id] = value.name
    }
  }

  /// The buffer of a persistent value, if allocated.
  public func buffer(_ value: ValueID) -> TensorBuffer? {
    guard let base = buffers[value], let type = types[value] else { return nil }
    return TensorBuffer(base: base, dimensions: type.dimensions(batch: 1), dtype: type.dtype)
  }

  /// Every stored tensor with its name, in value order (for checkpoints).
  public var entries: [(id: ValueID, name: String, buffer: TensorBuffer)] {
    buffers.keys.sorted().compactMap { id in buffer(id).map { (id, names[id] ?? "", $0) } }
  }

  private static func initialize(
    _ pointer: UnsafeMutablePointer<Float>, count: Int, _ initializer: Initializer,
    using generator: inout some RandomNumberGenerator
  ) {
    let limit: Float
    switch initializer {
    case .zeros: return
    case .ones:
      pointer.update(repeating: 1, count: count)
      return
    case .glorotUniform(let fanIn, let fanOut): limit = (6 / Float(fanIn + fanOut)).squareRoot()
    case .heUniform(let fanIn): limit = (6 / Float(fanIn)).squareRoot()
    }
    for i in 0..<count { pointer[i] = Float.random(in: -limit...limit, using: &generator) }
  }
}
