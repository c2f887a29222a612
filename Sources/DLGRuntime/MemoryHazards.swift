/// The waits that make running nodes out of list order safe, found from the memory each node
/// actually touches. Listed order is one valid sequential execution; any other order must keep,
/// for every pair of nodes whose byte ranges overlap and one of which writes, the listed
/// order between them: read-after-write (a tensor's producer before its readers),
/// write-after-read (a buffer reused by the memory plan, or overwritten in place, only after
/// every reader of the old contents) and write-after-write.
///
/// Working on addresses rather than values covers every way two tensors can share storage —
/// views, in-place outputs, arena reuse, scratch, parameters updated in place — with one rule.
struct MemoryHazards {
  /// A byte range a node reads or writes.
  struct Access {
    var start: Int
    var end: Int
    var writes: Bool
  }

  /// For each node, the earlier nodes it must wait for, sorted, without duplicates.
  private(set) var predecessors: [[Int]]

  /// `accesses[i]` lists node i's reads and writes, for nodes in listed (sequential) order.
  init(accesses: [[Access]]) {
    // Distinct ranges, and for each the ranges that overlap it (itself included).
    var rangeIndex: [Pair: Int] = [:]
    var ranges: [Pair] = []
    for list in accesses {
      for access in list where access.end > access.start {
        let key = Pair(start: access.start, end: access.end)
        if rangeIndex[key] == nil {
          rangeIndex[key] = ranges.count
          ranges.append(key)
        }
      }
    }
    let overlapping = Self.overlaps(ranges)
    var lastWriter = [Int](repeating: -1, count: ranges.count)
    var readersSinceWrite = [[Int]](repeating: [], count: ranges.count)
    var predecessors = [[Int]](repeating: [], count: accesses.count)
    for (node, list) in accesses.enumerated() {
      var waits = Set<Int>()
      for access in list where access.end > access.start {
        let range = rangeIndex[Pair(start: access.start, end: access.end)]!
        for other in overlapping[range] {
          if lastWriter[other] >= 0 { waits.insert(lastWriter[other]) }
          if access.writes { waits.formUnion(readersSinceWrite[other]) }
        }
      }
      for access in list where access.end > access.start {
        let range = rangeIndex[Pair(start: access.start, end: access.end)]!
        if access.writes {
          lastWriter[range] = node
          readersSinceWrite[range] = []
        } else {
          readersSinceWrite[range].append(node)
        }
      }
      waits.remove(node)
      predecessors[node] = waits.sorted()
    }
    self.predecessors = predecessors
  }

  private struct Pair: Hashable {
    var start: Int
    var end: Int
  }

  /// For each range, the indices of the ranges it overlaps, found by sweeping starts in order.
  private static func overlaps(_ ranges: [Pair]) -> [[Int]] {
    let order = ranges.indices.sorted { ranges[$0].start < ranges[$1].start }
    var result = [[Int]](repeating: [], count: ranges.count)
    var open: [Int] = []
    for index in order {
      let range = ranges[index]
      open.removeAll { ranges[$0].end <= range.start }
      for other in open {
        result[index].append(other)
        result[other].append(index)
      }
      result[index].append(index)
      open.append(index)
    }
    return result
  }
}
