import DLGGraph

/// Where every per-step tensor lives: an offset in one arena, placed by liveness so tensors
/// that are never alive at the same time share memory ("greedy by size", Pisarchyk & Lee,
/// "Efficient Memory Management for Deep Neural Net Inference", 2020).
public struct MemoryPlan: Sendable {
  /// Byte offset in the arena of each value that lives there (inputs and intermediates).
  public var offsets: [ValueID: Int]
  /// Byte offset of each node's scratch workspace, for nodes that asked for one.
  public var scratchOffsets: [Int: Int]
  /// Total arena bytes.
  public var arenaBytes: Int
  /// What the same tensors would take with one buffer each.
  public var naiveBytes: Int
  /// The most bytes alive at any one step: no plan can use less.
  public var lowerBoundBytes: Int
  /// What is alive at that step, largest first: the tensors (a tensor and its views or
  /// in-place successors share one entry) or a node's scratch, with their bytes.
  public var peak: [(values: [ValueID], scratchNode: Int?, bytes: Int)] = []
}

public enum MemoryPlanner {
  /// Alignment of every tensor: one cache line, and a whole AVX-512 register.
  public static let alignment = 64

  /// One thing to place: a group of values sharing storage (a tensor and its views), or a
  /// node's scratch, with the steps during which it must stay intact.
  struct Interval {
    var values: [ValueID]
    var scratchNode: Int?
    var bytes: Int
    var first: Int
    var last: Int
  }

  /// How tensors are placed.
  public enum Strategy: Sendable {
    /// Liveness-based sharing (greedy by size) and in-place execution.
    case greedyBySize
    /// One buffer per tensor, nothing shared: the `-O0` baseline.
    case naive
  }

  /// Plans a graph for a concrete batch size. Inputs are written before the first node runs;
  /// `fetches` stay intact until after the last. With `concurrent`, liveness follows
  /// `ScheduleLevels`, so nodes that may run at the same time never share memory; without it
  /// (one thread), nodes run in listed order and tensors can share more. A concurrent plan is
  /// for a graph listed level by level (`ScheduleLevels.levelOrdered`), which is the order the
  /// runtime checks its memory hazards in. `scratch` gives the floats of workspace each node's
  /// kernel asks for (indexed like `graph.nodes`; the backend knows, the planner does not).
  public static func plan(
    _ graph: Graph, batch: Int, fetches: [ValueID], strategy: Strategy = .greedyBySize,
    concurrent: Bool = true, scratch: [Int]
  ) -> MemoryPlan {
    // A kernel whose workspace is not planned writes it elsewhere: refuse a wrong list.
    precondition(scratch.count == graph.nodes.count, "one scratch size per node")
    let intervals = liveIntervals(
      graph, batch: batch, fetches: fetches, inPlace: strategy == .greedyBySize,
      concurrent: concurrent, scratch: scratch)
    var best: (arena: Int, offsets: [ValueID: Int], scratch: [Int: Int])?
    // Greedy placement depends on the order tensors are placed in; try a few orders (largest
    // first, as in the paper; longest-lived first; earliest first) and keep the smallest.
    var orders: [[Interval]] =
      strategy == .naive
      ? [intervals]
      : [
        intervals.sorted { ($0.bytes, -$0.first) > ($1.bytes, -$1.first) },
        intervals.sorted { ($0.last - $0.first, $0.bytes) > ($1.last - $1.first, $1.bytes) },
        intervals.sorted { ($0.first, -$0.bytes) < ($1.first, -$1.bytes) },
      ]
    // Small graphs (a training step of a few layers) can afford a search: perturbed orders
    // from a fixed seed, so the plan is the same on every run.
    if strategy == .greedyBySize, intervals.count <= 400 {
      var state: UInt64 = 0x2545_F491_4F6C_DD1D
      for _ in 0..<48 {
        var order = orders[0]
        for i in stride(from: order.count - 1, to: 0, by: -1) {
          state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
          // Swap only nearby tensors: the size order is mostly right, its ties are not.
          let j = max(0, i - Int((state >> 33) % 3))
          order.swapAt(i, j)
        }
        orders.append(order)
      }
    }
    for order in orders {
      for bestFit in strategy == .naive ? [false] : [false, true] {
        let placement = place(order, packed: strategy == .greedyBySize, bestFit: bestFit)
        if placement.arena < (best?.arena ?? .max) { best = placement }
      }
    }
    let (arena, offsets, scratchOffsets) = best ?? (0, [:], [:])
    // The naive figure: every tensor in its own buffer (views are free in any scheme).
    let naive = liveIntervals(
      graph, batch: batch, fetches: fetches, inPlace: false, concurrent: concurrent,
      scratch: scratch
    )
    .reduce(0) { $0 + $1.bytes }
    // The lower bound: the most bytes alive at once, found by sweeping interval ends.
    var events: [(step: Int, delta: Int)] = []
    for interval in intervals {
      events.append((interval.first, interval.bytes))
      events.append((interval.last + 1, -interval.bytes))
    }
    events.sort { ($0.step, $0.delta) < ($1.step, $1.delta) }
    var alive = 0
    var lowerBound = 0
    var peakStep = 0
    for event in events {
      alive += event.delta
      if alive > lowerBound { (lowerBound, peakStep) = (alive, event.step) }
    }
    var result = MemoryPlan(
      offsets: offsets, scratchOffsets: scratchOffsets, arenaBytes: align(arena),
      naiveBytes: naive, lowerBoundBytes: lowerBound)
    result.peak = intervals.filter { $0.first <= peakStep && peakStep <= $0.last }
      .sorted { $0.bytes > $1.bytes }.map { ($0.values, $0.scratchNode, $0.bytes) }
    return result
  }

  /// Places intervals in the given order at the lowest offset where they overlap nothing
  /// alive at the same time (or, unpacked, each after the previous one).
  static func place(_ order: [Interval], packed: Bool, bestFit: Bool = false)
    -> (arena: Int, offsets: [ValueID: Int], scratch: [Int: Int])
  {
    // Kept sorted by offset, so the gaps are found in one pass without sorting per tensor.
    var placed: [(offset: Int, interval: Interval)] = []
    var offsets: [ValueID: Int] = [:]
    var scratchOffsets: [Int: Int] = [:]
    var arena = 0
    for interval in order {
      var offset = 0
      if !packed {
        offset = align(arena)
      } else {
        // The gaps between tensors alive at the same time: first fit takes the lowest that
        // is large enough, best fit the smallest such gap.
        var chosen: (offset: Int, size: Int)?
        var cursor = 0
        for conflict in placed
        where conflict.interval.first <= interval.last && interval.first <= conflict.interval.last {
          let gap = conflict.offset - cursor
          if gap >= interval.bytes, chosen == nil || (bestFit && gap < chosen!.size) {
            chosen = (cursor, gap)
            if !bestFit { break }
          }
          cursor = max(cursor, align(conflict.offset + conflict.interval.bytes))
        }
        offset = chosen?.offset ?? cursor
      }
      // After every entry at the same offset, as the stable sort this replaces ordered them.
      var low = 0
      var high = placed.count
      while low < high {
        let middle = (low + high) / 2
        if placed[middle].offset <= offset { low = middle + 1 } else { high = middle }
      }
      placed.insert((offset, interval), at: low)
      arena = max(arena, offset + interval.bytes)
      for value in interval.values { offsets[value] = offset }
      if let node = interval.scratchNode { scratchOffsets[node] = offset }
    }
    return (arena, offsets, scratchOffsets)
  }

  static func align(_ bytes: Int) -> Int { (bytes + alignment - 1) / alignment * alignment }

  /// Live ranges in schedule levels (`ScheduleLevels`, or listed order when not `concurrent`):
  /// inputs from -1, intermediates from their producer's level, each to its last reader's.
  /// Nodes on one level may run at the same time, so everything they touch is alive together. Views are merged with the tensor they
  /// view; with `inPlace`, an output that may overwrite an input is merged with that input when
  /// every other reader of the input runs on an earlier level.
  static func liveIntervals(
    _ graph: Graph, batch: Int, fetches: [ValueID], inPlace: Bool = true, concurrent: Bool = true,
    scratch: [Int] = []
  ) -> [Interval] {
    let levels = concurrent ? ScheduleLevels(graph).levels : Array(graph.nodes.indices)
    let end = (levels.max() ?? -1) + 1
    let fetched = Set(fetches)
    var readers: [ValueID: [Int]] = [:]
    for (index, node) in graph.nodes.enumerated() {
      for input in node.inputs { readers[input, default: []].append(index) }
    }
    // Storage root of each value: a view or an in-place output points at what it reuses.
    var root: [ValueID: ValueID] = [:]
    func rootOf(_ v: ValueID) -> ValueID { root[v].map(rootOf) ?? v }
    var members: [ValueID: [ValueID]] = [:]
    var first: [ValueID: Int] = [:]
    var last: [ValueID: Int] = [:]
    // Views of parameters live in the parameter store, not in the arena.
    var persistentViews: Set<ValueID> = []
    func touch(_ v: ValueID, _ step: Int) {
      guard !persistentViews.contains(v), !graph[v].isPersistent else { return }
      let r = rootOf(v)
      first[r] = min(first[r] ?? step, step)
      last[r] = max(last[r] ?? step, step)
    }
    func join(_ v: ValueID, to target: ValueID) {
      let r = rootOf(target)
      root[v] = r
      members[r, default: [r]].append(v)
    }
    for (index, node) in graph.nodes.enumerated() {
      let step = levels[index]
      for input in node.inputs {
        touch(input, graph[input].role == .input ? -1 : step)
        touch(input, step)
      }
      if let aliased = node.op.aliasedInput {
        let viewed = node.inputs[aliased]
        if graph[viewed].isPersistent || persistentViews.contains(viewed) {
          persistentViews.insert(node.outputs[0])
        } else {
          join(node.outputs[0], to: viewed)
        }
      } else if inPlace, let reused = node.op.inPlaceInput {
        let input = node.inputs[reused]
        let group = members[rootOf(input)] ?? [rootOf(input)]
        let free =
          !graph[input].isPersistent && !persistentViews.contains(input)
          && group.allSatisfy { graph[$0].role != .input }
          && group.allSatisfy { member in
            !fetched.contains(member)
              && (readers[member] ?? []).allSatisfy {
                $0 == index || ($0 < index && levels[$0] < step)
              }
          }
          && graph[input].type.elementCount(batch: batch)
            == graph[node.outputs[0]].type.elementCount(batch: batch)
        if free { join(node.outputs[0], to: input) }
      }
      for output in node.outputs { touch(output, step) }
    }
    for fetch in fetches { touch(fetch, end) }
    var groups: [ValueID: [ValueID]] = [:]
    for v in Set(first.keys).union(root.keys) where !persistentViews.contains(v) {
      groups[rootOf(v), default: []].append(v)
    }
    var intervals: [Interval] = groups.keys.sorted().map { r in
      let bytes = groups[r]!.map { graph[$0].type.elementCount(batch: batch) * 4 }.max() ?? 0
      return Interval(
        values: groups[r]!.sorted(), scratchNode: nil, bytes: align(max(bytes, 4)),
        first: first[r] ?? 0, last: last[r] ?? 0)
    }
    for (index, floats) in scratch.enumerated() where floats > 0 {
      intervals.append(
        Interval(
          values: [], scratchNode: index, bytes: align(floats * 4), first: levels[index],
          last: levels[index]))
    }
    return intervals
  }
}
