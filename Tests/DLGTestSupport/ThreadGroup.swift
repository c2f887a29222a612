import DLGRuntime
import Foundation

/// The processes of a data-parallel run played by threads of one process: `members[r]` is
/// rank r's communicator. Collectives meet like MPI's (every member calls the same ones in
/// the same order; each blocks until all have arrived), and a bucket's sum is computed by
/// each member from everyone's copies, so the members get bit-identical sums, as MPI's ranks
/// do. For tests of the data-parallel trainer without launching processes.
public final class ThreadGroup: @unchecked Sendable {
  public let members: [Member]
  private let condition = NSCondition()
  /// Per collective key ("bucket 3", "doubles"): each member's contribution this round.
  private var rounds: [String: Round] = [:]

  private final class Round {
    var contributions: [[Double]?]
    var collected = 0
    init(size: Int) { contributions = Array(repeating: nil, count: size) }
  }

  public init(size: Int) {
    members = (0..<size).map { Member(rank: $0, size: size) }
    for member in members { member.group = self }
  }

  /// Adds `values` as member `rank`'s part of round `key`; returns every member's part once
  /// all have given theirs. A member's next round of the same key waits until every member
  /// has collected this one.
  fileprivate func exchange(_ key: String, rank: Int, _ values: [Double]) -> [[Double]] {
    condition.lock()
    defer { condition.unlock() }
    while let round = rounds[key], round.contributions[rank] != nil {
      condition.wait()
    }
    let round = rounds[key] ?? Round(size: members.count)
    rounds[key] = round
    round.contributions[rank] = values
    condition.broadcast()
    while round.contributions.contains(where: { $0 == nil }) { condition.wait() }
    let all = round.contributions.map { $0! }
    round.collected += 1
    if round.collected == members.count {
      rounds[key] = nil
      condition.broadcast()
    }
    return all
  }

  /// One rank of the group.
  public final class Member: Communicator, @unchecked Sendable {
    public let rank: Int
    public let size: Int
    fileprivate weak var group: ThreadGroup?
    /// Each started bucket's scaled copy, until it is finished.
    private var started: [Int: [Double]] = [:]
    private let lock = NSLock()
    /// How many buckets were started, in order (to check that every member starts the same).
    public private(set) var bucketsStarted: [Int] = []

    init(rank: Int, size: Int) {
      self.rank = rank
      self.size = size
    }

    private func sum(_ key: String, _ values: [Double]) -> [Double] {
      let all = group!.exchange(key, rank: rank, values)
      // Always in rank order: every member adds the same numbers in the same order.
      var total = [Double](repeating: 0, count: values.count)
      for contribution in all {
        for i in total.indices { total[i] = Double(Float(total[i]) + Float(contribution[i])) }
      }
      return total
    }

    public func allReduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
      let total = sum("floats", (0..<count).map { Double(buffer[$0]) })
      for i in 0..<count { buffer[i] = Float(total[i]) }
    }

    public func allReduceSum(_ buffer: UnsafeMutablePointer<Double>, count: Int) {
      let all = group!.exchange("doubles", rank: rank, (0..<count).map { buffer[$0] })
      for i in 0..<count { buffer[i] = all.reduce(0) { $0 + $1[i] } }
    }

    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, from root: Int) {
      let bytes = buffer.map { Double($0) }
      let all = group!.exchange("broadcast", rank: rank, bytes)
      for i in 0..<buffer.count { buffer[i] = UInt8(all[root][i]) }
    }

    public func startBucket(_ bucket: Int, parts: [(UnsafePointer<Float>, Int)], scale: Float) {
      var values: [Double] = []
      for (pointer, count) in parts {
        for i in 0..<count { values.append(Double(pointer[i] * scale)) }
      }
      lock.withLock {
        started[bucket] = values
        bucketsStarted.append(bucket)
      }
    }

    public func finishBucket(_ bucket: Int, into parts: [(UnsafeMutablePointer<Float>, Int)]) {
      guard let values = lock.withLock({ started.removeValue(forKey: bucket) }) else { return }
      let total = sum("bucket \(bucket)", values)
      var offset = 0
      for (pointer, count) in parts {
        for i in 0..<count { pointer[i] = Float(total[offset + i]) }
        offset += count
      }
    }
  }
}
