import CBLAS
import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Work the pool can run: an object with numbered tasks. A graph run numbers its nodes, a
/// parallel loop its parts. The pool holds owners unretained, so an owner must outlive every
/// task it has queued; both kinds in dlg wait for their tasks before they return.
open class PoolWork: @unchecked Sendable {
  /// Queue entries taken by workers and not yet finished (raised under the pool's lock as an
  /// entry is taken, so once the owner's entries are removed it only falls).
  let inFlight = Atomic<Int>(0)

  public init() {}

  /// True when no worker still holds one of this owner's tasks. An owner may be freed only
  /// then: a worker touches it once more after its task returns.
  public var isReleased: Bool { inFlight.load(ordering: .acquiring) == 0 }

  /// Runs task `index` on the calling thread.
  open func runTask(_ index: Int) {}
}

/// The process's worker threads: `threads - 1` of them, plus whichever thread submits work,
/// which always works too (so nothing waits on a pool that is busy elsewhere).
///
/// One shared FIFO queue holds tasks of every owner. Idle workers spin for a short while
/// before sleeping on a condition variable: a training step hands out tens of small tasks a
/// millisecond, and waking a sleeping thread costs more than most of them.
public final class WorkerPool: @unchecked Sendable {
  struct Entry {
    var owner: Unmanaged<PoolWork>
    var index: Int
  }

  /// The pool every kernel and graph run uses; sized by `ThreadBudget.configure`.
  public static let shared = WorkerPool()

  private let mutex: UnsafeMutablePointer<pthread_mutex_t>
  private let condition: UnsafeMutablePointer<pthread_cond_t>
  // Guarded by `mutex`: a ring buffer of entries, its head and count, and how many threads
  // sleep on `condition`.
  private var ring: UnsafeMutablePointer<Entry>
  private var capacity = 256
  private var head = 0
  private var queued = 0
  private var sleepers = 0
  private var started = 0
  /// A lock-free hint of `queued`, read while spinning.
  private let queuedHint = Atomic<Int>(0)
  /// Workers allowed to take tasks (`ThreadBudget.threads - 1`); the others sleep.
  private let active = Atomic<Int>(0)

  /// Iterations an idle thread polls the queue before it sleeps (tens of microseconds).
  static let spinIterations = 20_000

  init() {
    mutex = .allocate(capacity: 1)
    pthread_mutex_init(mutex, nil)
    condition = .allocate(capacity: 1)
    pthread_cond_init(condition, nil)
    ring = .allocate(capacity: capacity)
  }

  /// How many workers may take tasks (not counting the submitting thread).
  public var workerCount: Int { active.load(ordering: .relaxed) }

  /// Allows `count` workers to run, starting threads the first time they are needed. Threads
  /// are never stopped; extra ones sleep.
  func resize(workers count: Int) {
    pthread_mutex_lock(mutex)
    while started < count {
      let index = started
      let thread = Thread { [unowned self] in self.workerLoop(index) }
      thread.name = "dlg-worker-\(index + 1)"
      thread.stackSize = 1 << 21
      thread.start()
      started += 1
    }
    active.store(count, ordering: .relaxed)
    pthread_cond_broadcast(condition)
    pthread_mutex_unlock(mutex)
  }

  /// Queues `copies` tasks of `owner`, all with the same index (a parallel loop lets each copy
  /// claim parts), or one task per index in `indices`.
  public func enqueue(_ owner: PoolWork, index: Int, copies: Int = 1) {
    guard copies > 0 else { return }
    let unmanaged = Unmanaged.passUnretained(owner)
    pthread_mutex_lock(mutex)
    if queued + copies > capacity { grow(to: queued + copies) }
    for _ in 0..<copies {
      ring[(head + queued) % capacity] = Entry(owner: unmanaged, index: index)
      queued += 1
    }
    queuedHint.store(queued, ordering: .relaxed)
    // Broadcast: a sleeper may be a worker the budget has turned off, which would take the
    // signal and sleep again.
    if sleepers > 0 { pthread_cond_broadcast(condition) }
    pthread_mutex_unlock(mutex)
  }

  /// Removes every queued task of `owner` (a parallel loop whose parts are all claimed).
  func removeAll(of owner: PoolWork) {
    let target = Unmanaged.passUnretained(owner).toOpaque()
    pthread_mutex_lock(mutex)
    var kept = 0
    for offset in 0..<queued {
      let entry = ring[(head + offset) % capacity]
      if entry.owner.toOpaque() != target {
        ring[(head + kept) % capacity] = entry
        kept += 1
      }
    }
    queued = kept
    queuedHint.store(queued, ordering: .relaxed)
    pthread_mutex_unlock(mutex)
  }

  /// Takes the oldest task, if any, counting it in flight for its owner under the lock (so an
  /// owner that removed its entries and sees none in flight knows no worker holds it).
  private func dequeue() -> Entry? {
    guard queuedHint.load(ordering: .relaxed) > 0 else { return nil }
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    guard queued > 0 else { return nil }
    let entry = ring[head]
    head = (head + 1) % capacity
    queued -= 1
    queuedHint.store(queued, ordering: .relaxed)
    _ = entry.owner._withUnsafeGuaranteedRef { $0.inFlight.wrappingAdd(1, ordering: .relaxed) }
    return entry
  }

  private func run(_ entry: Entry) {
    // No retain: the owner is alive while its entry is in flight, and after the decrement
    // this thread must hold nothing of it (a parallel loop's body is gone once it returns).
    entry.owner._withUnsafeGuaranteedRef { owner in
      owner.runTask(entry.index)
      owner.inFlight.wrappingSubtract(1, ordering: .releasing)
    }
  }

  /// Runs queued tasks on the calling thread until `isDone` says so. Used by a thread that
  /// submitted work and waits for it: it helps rather than idles.
  public func help(until isDone: () -> Bool) {
    var idle = 0
    while !isDone() {
      if let entry = dequeue() {
        run(entry)
        idle = 0
        continue
      }
      idle += 1
      if idle > Self.spinIterations {
        // Long work elsewhere (a big GEMM part): stop burning the core.
        sched_yield()
      }
    }
  }

  private func workerLoop(_ index: Int) {
    dlg_flush_denormals()
    openblas_set_num_threads(1)
    var idle = 0
    while true {
      if index < active.load(ordering: .relaxed), let entry = dequeue() {
        run(entry)
        idle = 0
        continue
      }
      idle += 1
      if idle < Self.spinIterations { continue }
      pthread_mutex_lock(mutex)
      while queued == 0 || index >= active.load(ordering: .relaxed) {
        sleepers += 1
        pthread_cond_wait(condition, mutex)
        sleepers -= 1
      }
      pthread_mutex_unlock(mutex)
      idle = 0
    }
  }

  private func grow(to needed: Int) {
    var newCapacity = capacity
    while newCapacity < needed { newCapacity *= 2 }
    let newRing = UnsafeMutablePointer<Entry>.allocate(capacity: newCapacity)
    for offset in 0..<queued { newRing[offset] = ring[(head + offset) % capacity] }
    ring.deallocate()
    ring = newRing
    capacity = newCapacity
    head = 0
  }
}

/// One parallel loop: `parts` calls of a body, claimed one at a time by the submitting thread
/// and any idle workers.
final class ParallelJob: PoolWork, @unchecked Sendable {
  let parts: Int
  let body: (Int) -> Void
  private let next = Atomic<Int>(0)
  private let done = Atomic<Int>(0)

  init(parts: Int, body: @escaping (Int) -> Void) {
    self.parts = parts
    self.body = body
  }

  override func runTask(_ index: Int) {
    dlg_flush_denormals()
    runParts()
  }

  /// Claims and runs parts until none are left.
  func runParts() {
    while true {
      let part = next.wrappingAdd(1, ordering: .relaxed).oldValue
      guard part < parts else { return }
      body(part)
      done.wrappingAdd(1, ordering: .releasing)
    }
  }

  /// True when every part has run (their writes are then visible to the caller).
  var isFinished: Bool { done.load(ordering: .acquiring) == parts }

}

extension WorkerPool {
  /// Runs `body(part)` for every part in `0..<parts`, on the calling thread and on idle
  /// workers, and returns when all are done. Which thread runs a part is not fixed; the parts
  /// themselves are, so results never depend on timing.
  public func parallel(parts: Int, _ body: (Int) -> Void) {
    dlg_flush_denormals()
    guard parts > 1, workerCount > 0 else {
      for part in 0..<parts { body(part) }
      return
    }
    withoutActuallyEscaping(body) { body in
      let job = ParallelJob(parts: parts, body: body)
      enqueue(job, index: 0, copies: min(parts - 1, workerCount))
      job.runParts()
      removeAll(of: job)
      // Only parts still running elsewhere are left: wait for them without taking other
      // work, which would delay this kernel's caller.
      var spins = 0
      while !(job.isFinished && job.isReleased) {
        spins += 1
        if spins > Self.spinIterations { sched_yield() }
      }
    }
  }
}
