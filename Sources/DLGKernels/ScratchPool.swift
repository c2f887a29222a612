import Synchronization

/// Grow-only float buffers lent to kernels that need private partial results (the k-split of
/// GEMM, per-thread column sums). Buffers are reused across steps, so a training step does no
/// allocation once every shape has been seen.
public final class ScratchPool: Sendable {
  public static let shared = ScratchPool()

  private struct Buffer: @unchecked Sendable {
    var pointer: UnsafeMutablePointer<Float>
    var capacity: Int
  }

  private let free = Mutex<[Buffer]>([])

  /// Lends a buffer of at least `count` floats to `body`, then takes it back.
  public func withBuffer<R>(count: Int, _ body: (UnsafeMutablePointer<Float>) -> R) -> R {
    var buffer = free.withLock { list -> Buffer? in
      guard let index = list.firstIndex(where: { $0.capacity >= count }) ?? list.indices.last
      else { return nil }
      return list.remove(at: index)
    }
    if buffer == nil || buffer!.capacity < count {
      if let old = buffer { old.pointer.deallocate() }
      let capacity = max(count, 1024)
      buffer = Buffer(
        pointer: UnsafeMutablePointer<Float>.allocate(capacity: capacity), capacity: capacity)
    }
    let lent = buffer!
    defer { free.withLock { $0.append(lent) } }
    return body(lent.pointer)
  }
}
