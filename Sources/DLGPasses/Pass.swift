import DLGGraph

/// A graph being optimized, with the values read back after each step (`fetches`), which
/// passes must keep computing, and every substitution made so callers can follow renamed values.
public struct OptimizationContext: Sendable {
  public var graph: Graph
  public var fetches: [ValueID]
  /// Old value → the value now computing it (CSE, simplification).
  public private(set) var substitutions: [ValueID: ValueID] = [:]

  public init(graph: Graph, fetches: [ValueID]) {
    self.graph = graph
    self.fetches = fetches
  }

  /// Makes every reader of `old` (and the fetches) read `new` instead.
  public mutating func substitute(_ old: ValueID, with new: ValueID) {
    guard old != new else { return }
    var nodes = graph.nodes
    for index in nodes.indices {
      nodes[index].inputs = nodes[index].inputs.map { $0 == old ? new : $0 }
      nodes[index].after = nodes[index].after.map { $0 == old ? new : $0 }
    }
    graph.replaceNodes(nodes)
    fetches = fetches.map { $0 == old ? new : $0 }
    for (key, value) in substitutions where value == old { substitutions[key] = new }
    substitutions[old] = new
  }

  /// The value now standing for `value` after the substitutions.
  public func resolve(_ value: ValueID) -> ValueID { substitutions[value] ?? value }

  /// How many nodes read each value (fetches count as readers).
  public func useCounts() -> [ValueID: Int] {
    var counts: [ValueID: Int] = [:]
    for node in graph.nodes { for input in node.inputs { counts[input, default: 0] += 1 } }
    for fetch in fetches { counts[fetch, default: 0] += 1 }
    return counts
  }
}

extension Node {
  /// The ordering edges of a node that replaces `nodes`: every value any of them had to run
  /// after, except those they compute themselves. Fusion keeps the order it was given.
  public static func mergedAfter(_ nodes: [Node]) -> [ValueID] {
    let produced = Set(nodes.flatMap(\.outputs))
    var seen = Set<ValueID>()
    return nodes.flatMap(\.after).filter { !produced.contains($0) && seen.insert($0).inserted }
  }
}

/// One graph-to-graph transformation. It returns one line per change it made, in words a
/// user can follow ("fused conv/Conv2D + BiasAdd + ReLU into one kernel").
public protocol GraphPass: Sendable {
  var name: String { get }
  /// Why the pass matters, for `dlg compile --explain`.
  var purpose: String { get }
  func run(_ context: inout OptimizationContext) -> [String]
}

/// What one pass did.
public struct PassReport: Sendable {
  public var pass: String
  public var purpose: String
  public var changes: [String]
  public var nodesBefore: Int
  public var nodesAfter: Int
}

/// How hard to optimize: `-O0` turns every pass off (and memory planning into one buffer per
/// tensor), which is the baseline the optimizations are measured against.
public enum OptimizationLevel: String, Sendable, CaseIterable {
  case none = "O0"
  case standard = "O1"
}

/// Runs the pass pipeline.
public enum GraphOptimizer {
  /// The passes, in order: simplify first so fusion sees clean patterns, clean up last.
  /// Constant folding runs nodes through `evaluator`.
  public static func standardPasses(evaluator: any ConstantEvaluator) -> [any GraphPass] {
    [
      ConstantFolding(evaluator: evaluator), AlgebraicSimplification(),
      CommonSubexpressionElimination(), BiasActivationFusion(), LossGradientFusion(),
      ElementwiseFusion(),
      ProductEpilogueFusion(), DeadCodeEliminationPass(),
    ]
  }

  public static func optimize(
    _ graph: Graph, fetches: [ValueID], level: OptimizationLevel,
    evaluator: any ConstantEvaluator
  ) -> (context: OptimizationContext, reports: [PassReport]) {
    var context = OptimizationContext(graph: graph, fetches: fetches)
    guard level != .none else { return (context, []) }
    var reports: [PassReport] = []
    for pass in standardPasses(evaluator: evaluator) {
      let before = context.graph.nodes.count
      let changes = pass.run(&context)
      reports.append(
        PassReport(
          pass: pass.name, purpose: pass.purpose, changes: changes, nodesBefore: before,
          nodesAfter: context.graph.nodes.count))
    }
    return (context, reports)
  }
}
