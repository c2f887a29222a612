import CMPI
import DLGRuntime
import Dispatch
import Foundation
import Synchronization

/// The processes of a data-parallel run, over Open MPI. One communication thread makes every
/// MPI call (it initializes MPI, runs the collectives in the order they are asked for, and
/// finalizes), so MPI needs no thread support beyond `MPI_THREAD_FUNNELED` and the step's
/// threads never block in MPI: a gradient bucket is handed over and summed while the backward
/// pass goes on.
///
/// A collective that fails (MPI returns an error: a peer died, the network went away) or that
/// waits longer than `timeout` for the other processes ends this process with a message: no
/// step can complete without it, and waiting forever is the one thing a job must not do.
public final class MPICommunicator: Communicator, @unchecked Sendable {
  public let rank: Int
  public let size: Int
  /// How long a collective may wait for the other processes before this one gives up.
  public let timeout: Double

  private let queue = JobQueue()
  private let statisticsLock = NSLock()
  private var totals = Statistics()
  private var lastWaitEnded: UInt64 = 0

  /// What the gradient sums cost so far: the time the communication thread spent in them, and
  /// the part of it the step waited for (the rest was hidden behind the backward pass).
  public struct Statistics: Sendable {
    /// Buckets summed, and their bytes.
    public var buckets = 0
    public var bytes = 0
    /// Seconds inside MPI's all-reduce of the buckets.
    public var communicationSeconds = 0.0
    /// Seconds during which a thread of the step waited for a bucket's sum.
    public var waitingSeconds = 0.0

    /// The part of the communication the backward pass hid (0 to 1).
    public var hiddenFraction: Double {
      communicationSeconds > 0
        ? max(0, min(1, 1 - waitingSeconds / communicationSeconds)) : 0
    }
  }

  public var statistics: Statistics { statisticsLock.withLock { totals } }
  private let finished = DispatchSemaphore(value: 0)
  private let bucketLock = NSLock()
  private var buckets: [Int: Bucket] = [:]

  /// What the communication thread is asked to do, in order: each job returns MPI's code.
  private final class JobQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var jobs: [() -> Int32] = []
    private let pending = DispatchSemaphore(value: 0)

    func append(_ job: @escaping () -> Int32) {
      lock.withLock { jobs.append(job) }
      pending.signal()
    }

    /// Wakes the thread with nothing to do: its signal to stop.
    func close() { pending.signal() }

    /// The next job, waiting for one; nil once closed and empty.
    func next() -> (() -> Int32)? {
      pending.wait()
      return lock.withLock { jobs.isEmpty ? nil : jobs.removeFirst() }
    }
  }

  /// One bucket's floats while they are summed, reused every step.
  private final class Bucket: @unchecked Sendable {
    var storage: UnsafeMutablePointer<Float>
    var capacity: Int
    var count = 0
    let done = DispatchSemaphore(value: 0)

    init(capacity: Int) {
      self.capacity = capacity
      storage = .allocate(capacity: max(capacity, 1))
    }

    deinit { storage.deallocate() }
  }

  /// Whether an MPI launcher started this process: `mpirun` (Open MPI's `OMPI_COMM_WORLD_SIZE`),
  /// or Slurm's `srun --mpi=pmix` or PMI-2 (`PMIX_RANK`, `PMI_RANK`).
  public static var launchedByMPI: Bool {
    let environment = ProcessInfo.processInfo.environment
    return ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"].contains {
      environment[$0] != nil
    }
  }

  /// How many processes of this job run on this machine, as the launcher says (1 if it does
  /// not): the cores are shared among them.
  public static var processesOnThisMachine: Int {
    let environment = ProcessInfo.processInfo.environment
    for name in ["OMPI_COMM_WORLD_LOCAL_SIZE", "SLURM_NTASKS_PER_NODE", "MPI_LOCALNRANKS"] {
      if let text = environment[name], let count = Int(text.prefix { $0.isNumber }), count > 0 {
        return count
      }
    }
    return 1
  }

  /// Initializes MPI on a communication thread of its own and learns this process's rank.
  public init(timeout: Double = 120) throws(DistributedError) {
    self.timeout = timeout
    let started = DispatchSemaphore(value: 0)
    let identity = Mutex<(rank: Int, size: Int, error: String?)>((0, 1, nil))
    let thread = Thread { [queue, finished] in
      var provided: Int32 = 0
      var code = MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided)
      if code == dlg_mpi_success() {
        // Errors come back as codes, to be reported here, instead of aborting the job.
        code = MPI_Comm_set_errhandler(dlg_mpi_comm_world(), dlg_mpi_errors_return())
      }
      var (rank, size): (Int32, Int32) = (0, 1)
      if code == dlg_mpi_success() { code = MPI_Comm_rank(dlg_mpi_comm_world(), &rank) }
      if code == dlg_mpi_success() { code = MPI_Comm_size(dlg_mpi_comm_world(), &size) }
      identity.withLock {
        $0 = (Int(rank), Int(size), code == dlg_mpi_success() ? nil : Self.describe(code))
      }
      started.signal()
      guard code == dlg_mpi_success() else { return }
      // Jobs until a nil one (`finish`), in the order they were queued.
      while let job = queue.next() {
        let code = job()
        if code != dlg_mpi_success() {
          Self.fail(rank: Int(rank), "a collective failed: \(Self.describe(code))")
        }
      }
      MPI_Finalize()
      finished.signal()
    }
    thread.name = "dlg-mpi"
    thread.start()
    started.wait()
    let (rank, size, error) = identity.withLock { $0 }
    if let error { throw DistributedError("MPI did not start: \(error)") }
    self.rank = rank
    self.size = size
  }

  /// Finalizes MPI after the collectives already asked for; call once, before the process
  /// exits (a process that exits without it makes the launcher report the job as failed).
  public func finish() {
    queue.close()
    // Finalizing waits for every process; one that hangs must not keep this one forever.
    if finished.wait(timeout: .now() + timeout) == .timedOut {
      Self.fail(rank: rank, "waited \(Int(timeout)) s for the other processes to finish")
    }
  }

  /// Ends every process of the job with `code` (after an error that only this process may
  /// have met: the others would otherwise wait for it until their timeout).
  public func abort(code: Int32 = 1) -> Never {
    enqueue { MPI_Abort(dlg_mpi_comm_world(), code) }
    // MPI ends this process too; if the communication thread is stuck, end it anyway.
    Thread.sleep(forTimeInterval: 10)
    _exit(code)
  }

  private func enqueue(_ job: @escaping () -> Int32) { queue.append(job) }

  /// Runs `job` on the communication thread and waits for it.
  private func run(_ what: String, _ job: @escaping () -> Int32) {
    let done = DispatchSemaphore(value: 0)
    enqueue {
      let code = job()
      done.signal()
      return code
    }
    wait(done, for: what)
  }

  private func wait(_ semaphore: DispatchSemaphore, for what: String) {
    if semaphore.wait(timeout: .now() + timeout) == .timedOut {
      Self.fail(
        rank: rank,
        "waited \(Int(timeout)) s for the other processes (\(what)); one of them has stopped "
          + "or hangs")
    }
  }

  public func allReduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
    sumInPlace(UnsafeMutableRawPointer(buffer), count: count, of: dlg_mpi_float(), size: 4)
  }

  public func allReduceSum(_ buffer: UnsafeMutablePointer<Double>, count: Int) {
    sumInPlace(UnsafeMutableRawPointer(buffer), count: count, of: dlg_mpi_double(), size: 8)
  }

  /// Sums `count` elements of `datatype` (`size` bytes each) over every process, in place,
  /// and waits for it.
  private func sumInPlace(
    _ buffer: UnsafeMutableRawPointer, count: Int, of datatype: MPI_Datatype, size: Int
  ) {
    let address = UInt(bitPattern: buffer)
    let handle = UInt(bitPattern: datatype)
    run("a sum of \(count) values") {
      Self.chunked(count, elementSize: size) { offset, length in
        MPI_Allreduce(
          dlg_mpi_in_place(), UnsafeMutableRawPointer(bitPattern: address)! + offset * size,
          length, OpaquePointer(bitPattern: handle), dlg_mpi_sum(), dlg_mpi_comm_world())
      }
    }
  }

  public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, from root: Int) {
    guard let base = buffer.baseAddress, buffer.count > 0 else { return }
    let (address, count) = (UInt(bitPattern: base), buffer.count)
    run("a broadcast from rank \(root)") {
      Self.chunked(count, elementSize: 1) { offset, length in
        MPI_Bcast(
          UnsafeMutableRawPointer(bitPattern: address)! + offset, length, dlg_mpi_byte(),
          Int32(root), dlg_mpi_comm_world())
      }
    }
  }

  public func startBucket(_ bucket: Int, parts: [(UnsafePointer<Float>, Int)], scale: Float) {
    let total = parts.reduce(0) { $0 + $1.1 }
    let slot = bucketLock.withLock {
      if let known = buckets[bucket], known.capacity >= total { return known }
      let made = Bucket(capacity: total)
      buckets[bucket] = made
      return made
    }
    var offset = 0
    for (pointer, count) in parts {
      let target = slot.storage + offset
      if scale == 1 {
        target.update(from: pointer, count: count)
      } else {
        for i in 0..<count { target[i] = pointer[i] * scale }
      }
      offset += count
    }
    slot.count = total
    enqueue { [self] in
      let began = DispatchTime.now().uptimeNanoseconds
      let code = Self.chunked(total, elementSize: 4) { offset, length in
        MPI_Allreduce(
          dlg_mpi_in_place(), slot.storage + offset, length, dlg_mpi_float(), dlg_mpi_sum(),
          dlg_mpi_comm_world())
      }
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9
      statisticsLock.withLock {
        totals.buckets += 1
        totals.bytes += total * 4
        totals.communicationSeconds += seconds
      }
      slot.done.signal()
      return code
    }
  }

  public func finishBucket(_ bucket: Int, into parts: [(UnsafeMutablePointer<Float>, Int)]) {
    guard let slot = bucketLock.withLock({ buckets[bucket] }) else { return }
    let began = DispatchTime.now().uptimeNanoseconds
    wait(slot.done, for: "gradient bucket \(bucket)")
    let ended = DispatchTime.now().uptimeNanoseconds
    // Waits on several threads at once count once: only time after the last one ended.
    statisticsLock.withLock {
      let from = max(began, lastWaitEnded)
      if ended > from { totals.waitingSeconds += Double(ended - from) / 1e9 }
      lastWaitEnded = max(lastWaitEnded, ended)
    }
    var offset = 0
    for (pointer, count) in parts {
      pointer.update(from: slot.storage + offset, count: count)
      offset += count
    }
  }

  /// Calls `body(offset, length)` over `count` elements in pieces MPI's 32-bit counts can
  /// hold; the first error code stops it.
  private static func chunked(
    _ count: Int, elementSize: Int, _ body: (Int, Int32) -> Int32
  ) -> Int32 {
    let piece = (1 << 30) / elementSize
    var offset = 0
    while offset < count {
      let length = min(count - offset, piece)
      let code = body(offset, Int32(length))
      if code != dlg_mpi_success() { return code }
      offset += length
    }
    return dlg_mpi_success()
  }

  private static func describe(_ code: Int32) -> String {
    var text = [CChar](repeating: 0, count: Int(dlg_mpi_max_error_string()) + 1)
    var length: Int32 = 0
    guard MPI_Error_string(code, &text, &length) == dlg_mpi_success() else {
      return "MPI error \(code)"
    }
    return String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// Ends the process at once with a message: the other processes cannot be waited for.
  static func fail(rank: Int, _ message: String) -> Never {
    let line = "error: rank \(rank): \(message); stopping this process\n"
    _ = line.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    _exit(1)
  }
}

/// Why the processes of a distributed run could not start.
public struct DistributedError: Error, Sendable, CustomStringConvertible {
  public var description: String
  public init(_ description: String) { self.description = description }
}
