import CBLAS
import DLGGraph
import DLGKernels
import Dispatch
import Synchronization

/// Runs a compiled graph's kernels by dependency counting on the process's `WorkerPool`: a
/// node becomes ready when every node it waits for has finished, so independent branches run
/// at the same time, while each kernel may still split its own work across idle threads.
///
/// Who gets the cores is decided per node. Heavy nodes (large products, long loops) split
/// their own work across all threads, and two of them running at once would each get one
/// thread and fight over memory bandwidth: measured on the Fashion-MNIST CNN, its two Dense
/// gradient products took 4.7 ms side by side against 3.2 ms one after the other. So heavy
/// nodes run one at a time, in listed order when several are ready, each with every idle
/// thread; light nodes run beside them and beside each other.
///
/// The waits are fixed when the plan is built (`MemoryHazards`); a step only resets one counter
/// per node, then hands ready nodes to the pool. A thread that finishes a node runs the first
/// successor it made ready itself and queues the rest, so a chain of small nodes stays on one
/// thread. With one thread the kernels simply run in listed order.
final class Scheduler: PoolWork, @unchecked Sendable {
  private let kernels: [Kernel]
  /// Successors of node i: `successors[successorStart[i]..<successorStart[i + 1]]`.
  private let successors: [Int]
  private let successorStart: [Int]
  private let initialWaits: [Int]
  private let roots: [Int]
  private let waits: UnsafeMutablePointer<Atomic<Int>>
  private let remaining = Atomic<Int>(0)
  private let heavy: [Bool]
  /// Whether a heavy node is running, and the ready heavy nodes waiting for it to finish.
  private let heavyTurn = Mutex(HeavyTurn())

  struct HeavyTurn: ~Copyable {
    var running = false
    var waiting: [Int] = []
  }
  // Set before a step's tasks are queued and read by them: the queue's lock orders the two.
  private var info = RuntimeContext(step: 0, training: false)
  private var profile: UnsafeMutablePointer<Double>?

  init(kernels: [Kernel], predecessors: [[Int]], heavy: [Bool]) {
    self.kernels = kernels
    self.heavy = heavy
    var lists = [[Int]](repeating: [], count: kernels.count)
    for (node, waitsFor) in predecessors.enumerated() {
      for predecessor in waitsFor { lists[predecessor].append(node) }
    }
    successors = lists.flatMap { $0 }
    var starts = [0]
    for list in lists { starts.append(starts.last! + list.count) }
    successorStart = starts
    let counts = predecessors.map(\.count)
    initialWaits = counts
    roots = counts.indices.filter { counts[$0] == 0 }
    waits = .allocate(capacity: max(kernels.count, 1))
    for index in kernels.indices { (waits + index).initialize(to: Atomic(0)) }
  }

  deinit {
    waits.deinitialize(count: kernels.count)
    waits.deallocate()
  }

  /// Runs every node once; with `profile`, adds each node's seconds to `profile[node]`.
  func run(_ info: RuntimeContext, profile: UnsafeMutablePointer<Double>? = nil) {
    guard !kernels.isEmpty else { return }
    // Whichever thread calls runs nodes too: the same floating-point mode as the workers.
    dlg_flush_denormals()
    if WorkerPool.shared.workerCount == 0 {
      for index in kernels.indices { execute(index, info, profile) }
      return
    }
    self.info = info
    self.profile = profile
    for index in kernels.indices { waits[index].store(initialWaits[index], ordering: .relaxed) }
    remaining.store(kernels.count, ordering: .relaxed)
    var first = -1
    for root in roots where admit(root) {
      if first < 0 { first = root } else { WorkerPool.shared.enqueue(self, index: root) }
    }
    if first >= 0 { runTask(first) }
    // Every node has run once `remaining` is zero; the run is over when no worker still
    // holds one of its tasks (the executable may be freed as soon as this returns).
    WorkerPool.shared.help { remaining.load(ordering: .acquiring) == 0 && isReleased }
  }

  override func runTask(_ index: Int) {
    var node = index
    while true {
      execute(node, info, profile)
      var next = -1
      func dispatch(_ ready: Int) {
        if next < 0 { next = ready } else { WorkerPool.shared.enqueue(self, index: ready) }
      }
      for position in successorStart[node]..<successorStart[node + 1] {
        let successor = successors[position]
        // The last predecessor to finish makes the successor ready; acquiring-and-releasing
        // makes every predecessor's writes visible to whoever runs it.
        if waits[successor].wrappingSubtract(1, ordering: .acquiringAndReleasing).oldValue == 1,
          admit(successor)
        {
          dispatch(successor)
        }
      }
      if heavy[node], let waiting = passHeavyTurn() { dispatch(waiting) }
      remaining.wrappingSubtract(1, ordering: .releasing)
      guard next >= 0 else { return }
      node = next
    }
  }

  /// Whether a ready node may start now: light nodes always, a heavy node when no other heavy
  /// node runs (otherwise it waits for its turn).
  private func admit(_ node: Int) -> Bool {
    guard heavy[node] else { return true }
    return heavyTurn.withLock { turn in
      if !turn.running {
        turn.running = true
        return true
      }
      turn.waiting.append(node)
      return false
    }
  }

  /// Called when a heavy node finishes: the next waiting heavy node (lowest in listed order),
  /// which now holds the turn, or nil when none waits.
  private func passHeavyTurn() -> Int? {
    heavyTurn.withLock { turn in
      guard let next = turn.waiting.min() else {
        turn.running = false
        return nil
      }
      turn.waiting.removeAll { $0 == next }
      return next
    }
  }

  @inline(__always)
  private func execute(
    _ index: Int, _ info: RuntimeContext, _ profile: UnsafeMutablePointer<Double>?
  ) {
    guard let profile else {
      kernels[index](info)
      return
    }
    let start = DispatchTime.now().uptimeNanoseconds
    kernels[index](info)
    profile[index] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
  }
}
