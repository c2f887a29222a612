import DLGGraph
import DLGTestSupport

// The ops layers are made of besides products and convolutions.

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

/// A reshape is a view: its gradient reaches the reshaped parameter through the product after it.
private let reshape = GradientCase("Reshape") {
  var graph = Graph()
  let x = graph.addParameter("x", .fixed([2, 3, 4]), initializer: .heUniform(fanIn: 2))
  let r = try graph.applySingleOutput(Reshape([.fixed(6), .fixed(4)]), [x], name: "reshape")
  let w = graph.addParameter("w", .fixed([4, 2]), initializer: .heUniform(fanIn: 2))
  let y = try graph.applySingleOutput(MatMul(), [r, w], name: "mm")
  return GradientChecker(graph: graph, output: y)
}

/// Batch normalization with batch statistics, on a dense batch or on NHWC images; γ and β
/// random so their gradients are not trivially 0 or 1.
private func batchNorm(_ shape: [Int]) -> GradientCase {
  // Each output depends on every input of its channel through the batch statistics: float32
  // differences of a sum over the batch are noisier than an elementwise op's.
  GradientCase("BatchNorm", "\(shape)", tolerance: 2e-2) {
    var graph = Graph()
    let channels = shape.last!
    let x = graph.addParameter("x", .fixed(shape), initializer: .heUniform(fanIn: 1))
    let gamma = graph.addParameter("gamma", .fixed([channels]), initializer: .heUniform(fanIn: 1))
    let beta = graph.addParameter("beta", .fixed([channels]), initializer: .heUniform(fanIn: 1))
    let mean = graph.addStatistic("mean", .fixed([channels]), initializer: .zeros)
    let variance = graph.addStatistic("variance", .fixed([channels]), initializer: .ones)
    let y = try graph.apply(BatchNorm(), [x, gamma, beta, mean, variance], name: "bn")[0]
    var checker = GradientChecker(graph: graph, output: y)
    checker.trainingMode = true
    return checker
  }
}

/// Standardization by fixed statistics: only the input gets a gradient.
private let standardize = GradientCase("Standardize") {
  var graph = Graph()
  let x = graph.addParameter("x", .fixed([4, 3]), initializer: .heUniform(fanIn: 1))
  let mean = graph.addStatistic("mean", .fixed([3]), initializer: .zeros)
  let variance = graph.addStatistic("variance", .fixed([3]), initializer: .ones)
  let y = try graph.applySingleOutput(Standardize(), [x, mean, variance], name: "std")
  return GradientChecker(graph: graph, output: y)
}

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    .op(BiasAdd(), inputs: [[6, 5], [5]]), .op(Concat(), inputs: [[3, 2], [3, 4], [3, 1]]),
    .op(Dropout(rate: 0.5, salt: 3), inputs: [[4, 9]], trainingMode: true), embedding, reshape,
    batchNorm([6, 5]), batchNorm([2, 3, 3, 4]), standardize)
}
