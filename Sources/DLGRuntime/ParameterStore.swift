import DLGGraph
import DLGKernels
import DLGPasses

/// Storage for everything that outlives a step: trainable parameters and optimizer state.
/// Each tensor has its own aligned buffer, shared by every executable built from the same
/// forward graph (training and evaluation plans read the same weights).
public final class ParameterStore: @unchecked Sendable {
  private var buffers: [ValueID: UnsafeMutableRawPointer] = [:]
  private var types: [ValueID: TensorType] = [:]
  private var names: [ValueID: String] = [:]

  /// Weights packed for products of few rows (`PanelMatrix`): int8 ones when loaded, f32
  /// ones when a plan first asks.
  private var packed: [ValueID: PanelMatrix] = [:]

  /// Whether the weights never change once loaded (a store that only predicts: `Predictor`
  /// sets it). Then weights loaded from an int8 file keep their int8 form, and products of a
  /// few rows read weights packed into panels (`PanelMatrix`). A store that trains must not:
  /// an optimizer step updates the f32 buffers alone, and the packed copies would be stale.
  /// For the same reason, load weights before compiling plans: a plan keeps the panels it
  /// was compiled with.
  public var weightsAreFixed = false

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

  /// A `[k, n]` weight packed into panels, in a store whose weights are fixed: its int8 form
  /// when it was loaded from an int8 file, else its f32 values, packed on the first call.
  /// Plans are compiled one at a time (a `Predictor` holds a lock), which is what makes the
  /// cache safe without one of its own.
  public func panels(_ value: ValueID) -> PanelMatrix? {
    guard weightsAreFixed else { return nil }
    if let known = packed[value] { return known }
    guard let buffer = buffer(value), buffer.dtype == .float32, buffer.dimensions.count == 2,
      let matrix = PanelMatrix(
        k: buffer.dimensions[0], n: buffer.dimensions[1], float32: buffer.floats,
        ld: buffer.dimensions[1])
    else { return nil }
    packed[value] = matrix
    return matrix
  }

  /// Keeps the int8 form of a `[k, n]` weight with per-column or per-tensor scales, in a
  /// store whose weights are fixed; forgets what was packed of the value before.
  func keepInt8(_ value: ValueID, from tensor: SafeTensors.Tensor) {
    packed[value] = nil
    guard weightsAreFixed, let stored = tensor.int8, tensor.shape.count == 2 else { return }
    let (k, n) = (tensor.shape[0], tensor.shape[1])
    let scales: [Float]
    switch stored.axis {
    case 1?: scales = stored.scales
    case nil: scales = [Float](repeating: stored.scales.first ?? 0, count: n)
    default: return
    }
    packed[value] = stored.values.withUnsafeBufferPointer {
      PanelMatrix(k: k, n: n, int8: $0, scales: scales)
    }
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
