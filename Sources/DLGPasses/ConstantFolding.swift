import DLGGraph

/// Computes a node's single output from its constant inputs (nil when it cannot). The runtime
/// provides one that runs the node's CPU kernel.
public protocol ConstantEvaluator: Sendable {
  func evaluate(_ node: Node, in graph: Graph) -> [Float]?
}

/// Evaluates, once at compile time, every node whose inputs are all known (constants, or no
/// inputs at all), and stores the result as a constant next to the parameters.
struct ConstantFolding: GraphPass {
  /// Runs a node on its constant inputs: the backend's kernels, which passes cannot see.
  var evaluator: any ConstantEvaluator

  var name: String { "constant folding" }
  var purpose: String { "values known before training are computed once, not every step" }
  /// Larger results stay computed at run time: a constant costs memory for the whole run.
  static let maximumElements = 1 << 16

  func run(_ context: inout OptimizationContext) -> [String] {
    var changes: [String] = []
    var nodes: [Node] = []
    for node in context.graph.nodes {
      let allKnown = node.inputs.allSatisfy {
        if case .constant = context.graph[$0].role { return true }
        return false
      }
      let evaluable =
        allKnown && node.op.isPure
        && node.outputs.count == 1
        && !context.graph[node.outputs[0]].type.isBatched
        && context.graph[node.outputs[0]].type.elementsPerItem <= Self.maximumElements
      guard evaluable, let data = evaluator.evaluate(node, in: context.graph) else {
        nodes.append(node)
        continue
      }
      context.graph.makeConstant(node.outputs[0], data)
      changes.append("\(node.name) (\(node.op.name)) is a constant: computed once")
    }
    context.graph.replaceNodes(nodes)
    return changes
  }
}
