import DLGGraph
import DLGTestSupport

// EmbeddingLookup: the table gets each id's rows.

private let embedding = GradientCase("EmbeddingLookup") {
  var graph = Graph()
  let ids = graph.addInput("ids", TensorType(.int32, [.fixed(2), .fixed(3)]))
  let table = graph.addParameter("table", .fixed([5, 4]), initializer: .heUniform(fanIn: 1))
  let y = try graph.applySingleOutput(EmbeddingLookup(), [ids, table], name: "embed")
  var checker = GradientChecker(graph: graph, output: y)
  // Id 7 is outside the table: it reads zeros and must get no gradient.
  checker.fixedInputs = [
    (
      ids,
      { buffer in for (i, id) in [Int32(0), 3, 3, 4, 1, 7].enumerated() { buffer.ints[i] = id } }
    )
  ]
  return checker
}

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    embedding)
}
