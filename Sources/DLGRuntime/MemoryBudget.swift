import DLGGraph
import DLGPasses
import Foundation

/// What a model will need in memory, known before anything is allocated: its persistent
/// values (parameters, statistics, optimizer state) and the arena of a compiled step. A plan
/// that needs more than the machine has is refused with the numbers, at once, rather than
/// allocated until the kernel kills the process minutes later.
public enum MemoryBudget {
  /// Bytes this process may use: the machine's memory, or the cgroup limit (a container's)
  /// when that is lower.
  public static let available: Int = {
    let physical = Int(sysconf(Int32(_SC_PHYS_PAGES))) * Int(sysconf(Int32(_SC_PAGESIZE)))
    let limit = (try? String(contentsOfFile: "/sys/fs/cgroup/memory.max", encoding: .utf8))
      .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    return min(physical > 0 ? physical : .max, limit ?? .max)
  }()

  /// Bytes of the values that live across steps (saturating: absurd models stay comparable).
  public static func persistentBytes(of graph: Graph) -> Int {
    var total = 0
    for value in graph.values where value.isPersistent {
      let (bytes, overflows) = value.type.elementsPerItem.multipliedReportingOverflow(by: 4)
      total = overflows || bytes > Int.max - total ? Int.max : total + bytes
    }
    return total
  }

  /// The arena a step of `graph` at `batch` needs, planned as `Executable` plans it.
  public static func arenaBytes(
    of graph: Graph, batch: Int, fetches: [ValueID], strategy: MemoryPlanner.Strategy
  ) -> Int {
    Executable.planned(graph, batchSize: batch, fetches: fetches, strategy: strategy).plan
      .arenaBytes
  }

  /// Nil when `bytes` fit in 90% of what is available; otherwise the problem, in words.
  public static func problem(needing bytes: Int, for what: String) -> String? {
    guard Double(bytes) > Double(available) * 0.9 else { return nil }
    return "\(what) needs \(gigabytes(bytes)) of the \(gigabytes(available)) this machine has "
      + "(dlg uses at most 90% of it)"
  }

  static func gigabytes(_ bytes: Int) -> String {
    bytes == .max ? "more than any machine has" : String(format: "%.1f GB", Double(bytes) / 1e9)
  }
}
