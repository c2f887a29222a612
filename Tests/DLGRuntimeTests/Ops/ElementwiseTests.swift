import DLGGraph
import DLGTestSupport

// The elementwise vocabulary: each op's one-line gradient rule against finite differences.
// Ops defined only for positive inputs read `exp` of a parameter.

/// `op` applied to `exp(x)` for the inputs listed in `positive`, to parameters otherwise.
private func positive(_ op: any Operator, inputs: Int, positive: Set<Int>) -> GradientCase {
  GradientCase(op.opType) {
    var graph = Graph()
    let values = try (0..<inputs).map { index in
      let x = graph.addParameter("x\(index)", .fixed([3, 4]), initializer: .heUniform(fanIn: 1))
      return positive.contains(index)
        ? try graph.applySingleOutput(Exp(), [x], name: "exp\(index)") : x
    }
    let y = try graph.applySingleOutput(op, values, name: op.name)
    return GradientChecker(graph: graph, output: y)
  }
}

/// `Select` between two parameters on a fixed condition (zeros and ones).
private let select = GradientCase("Select") {
  var graph = Graph()
  let condition = graph.addInput("condition", .fixed([3, 4]))
  let a = graph.addParameter("a", .fixed([3, 4]), initializer: .heUniform(fanIn: 1))
  let b = graph.addParameter("b", .fixed([3, 4]), initializer: .heUniform(fanIn: 1))
  let y = try graph.applySingleOutput(Select(), [condition, a, b], name: "select")
  var checker = GradientChecker(graph: graph, output: y)
  checker.fixedInputs = [
    (condition, { buffer in for i in 0..<12 { buffer.floats[i] = Float(i % 3 == 0 ? 1 : 0) } })
  ]
  return checker
}

/// `Add` of one value to itself: a value read twice gets the sum of both gradients.
private let addShared = GradientCase("Add", "one input read twice") {
  var graph = Graph()
  let x = graph.addParameter("x", .fixed([3, 4]), initializer: .heUniform(fanIn: 2))
  let y = try graph.applySingleOutput(Add(), [x, x], name: "double")
  return GradientChecker(graph: graph, output: y)
}

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    .op(Add(), inputs: [[3, 4], [3, 4]]), addShared, .op(Subtract(), inputs: [[3, 4], [3, 4]]),
    .op(Multiply(), inputs: [[3, 4], [3, 4]]), positive(Divide(), inputs: 2, positive: [1]),
    positive(SquareRoot(), inputs: 1, positive: [0]), .op(Exp(), inputs: [[3, 4]]),
    positive(Log(), inputs: 1, positive: [0]), .op(Maximum(), inputs: [[3, 4], [3, 4]]),
    .op(Scale(-2.5), inputs: [[3, 4]]), select)
}
