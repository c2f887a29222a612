import CBLAS
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One thread budget for the whole process. OpenBLAS is kept single-threaded and dlg's kernels
/// split their own work into parts that the `WorkerPool` runs, so the two never compete for
/// the same cores (a 2-core machine running 2 OpenBLAS threads inside each of 2 dlg threads
/// would run 4).
///
/// How work is split is a function of its size and of `threads` only, never of timing, so a
/// run is reproducible for a given thread count. With `deterministic`, the split no longer
/// depends on `threads` either: every reduction sums the same parts in the same order whether
/// one thread or eight run them, and results are bit-identical across thread counts.
public enum ThreadBudget {
  private static let count = Atomic<Int>(0)
  private static let deterministicMode = Atomic<Bool>(false)

  /// Parts every split uses in deterministic mode, whatever the thread count.
  public static let deterministicParts = 4

  /// Sets the number of threads (the caller's plus `threads - 1` pool workers) and whether
  /// splits are independent of it; pins OpenBLAS to one thread.
  public static func configure(threads: Int, deterministic: Bool = false) {
    let threads = max(1, threads)
    openblas_set_num_threads(1)
    dlg_flush_denormals()
    deterministicMode.store(deterministic, ordering: .relaxed)
    count.store(threads, ordering: .relaxed)
    WorkerPool.shared.resize(workers: threads - 1)
  }

  /// The number of threads that run kernels and graph nodes.
  public static var threads: Int {
    let current = count.load(ordering: .relaxed)
    if current > 0 { return current }
    configure(threads: defaultThreads)
    return count.load(ordering: .relaxed)
  }

  /// True when splits ignore the thread count (`--deterministic`).
  public static var isDeterministic: Bool { deterministicMode.load(ordering: .relaxed) }

  /// All the cores this process may run on.
  public static var defaultThreads: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

  /// How many parts to split `count` items into, each at least `minimumChunk` items: one per
  /// thread, or `deterministicParts` in deterministic mode.
  public static func parts(count: Int, minimumChunk: Int) -> Int {
    let wanted = isDeterministic ? deterministicParts : threads
    return max(1, min(wanted, count / max(minimumChunk, 1)))
  }

  /// Runs `body` over `0..<count` split into `parts(count:minimumChunk:)` contiguous chunks;
  /// inline when one chunk suffices (no dispatch cost for small work).
  public static func parallelFor(
    count: Int, minimumChunk: Int, _ body: (Range<Int>) -> Void
  ) {
    guard count > 0 else { return }
    let chunks = parts(count: count, minimumChunk: minimumChunk)
    if chunks == 1 {
      body(0..<count)
      return
    }
    forEachPart(chunks) { chunk in body(count * chunk / chunks..<count * (chunk + 1) / chunks) }
  }

  /// Runs `body(part)` for every part in `0..<parts` on the pool and returns when all are
  /// done. Kernels use it to give each part its own slice of a buffer; the slices never
  /// overlap, which is what makes sharing the raw pointers safe.
  public static func forEachPart(_ parts: Int, _ body: (Int) -> Void) {
    _ = threads
    WorkerPool.shared.parallel(parts: parts, body)
  }
}
