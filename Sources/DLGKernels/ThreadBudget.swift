import CBLAS
import Dispatch

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One thread budget for the whole process. OpenBLAS is kept single-threaded and dlg's kernels
/// split their own work across `threads`, so the two never compete for the same cores (a
/// 2-core machine running 2 OpenBLAS threads inside each of 2 dlg threads would run 4).
public enum ThreadBudget {
  nonisolated(unsafe) private static var count = 1
  nonisolated(unsafe) private static var configured = false

  /// Sets the number of worker threads every kernel may use, and pins OpenBLAS to one thread.
  public static func configure(threads: Int) {
    count = max(1, threads)
    openblas_set_num_threads(1)
    dlg_flush_denormals()
    configured = true
  }

  /// The number of threads kernels split their work across.
  public static var threads: Int {
    if !configured { configure(threads: defaultThreads) }
    return count
  }

  /// All the cores this process may run on.
  public static var defaultThreads: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

  /// Runs `body` over `0..<count` split into at most `threads` contiguous chunks of at least
  /// `minimumChunk` items; inline when one chunk suffices (no dispatch cost for small work).
  public static func parallelFor(
    count: Int, minimumChunk: Int, _ body: (Range<Int>) -> Void
  ) {
    guard count > 0 else { return }
    let chunks = min(threads, max(1, count / max(minimumChunk, 1)))
    if chunks == 1 {
      body(0..<count)
      return
    }
    forEachPart(chunks) { chunk in body(count * chunk / chunks..<count * (chunk + 1) / chunks) }
  }

  /// Runs `body(part)` for every part in `0..<parts` at the same time, one per thread, and
  /// returns when all are done. Kernels use it to give each thread its own slice of a buffer;
  /// the slices never overlap, which is what makes sharing the raw pointers safe.
  public static func forEachPart(_ parts: Int, _ body: (Int) -> Void) {
    guard parts > 1 else {
      if parts == 1 { body(0) }
      return
    }
    withoutActuallyEscaping(body) { body in
      let shared = UncheckedSendable(body)
      DispatchQueue.concurrentPerform(iterations: parts) { part in
        // Worker threads do not inherit the caller's floating-point mode; set it on each.
        dlg_flush_denormals()
        shared.value(part)
      }
    }
  }
}

/// Carries a value into `concurrentPerform`'s `@Sendable` closure. Only for kernel bodies that
/// write disjoint memory per part.
struct UncheckedSendable<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}
