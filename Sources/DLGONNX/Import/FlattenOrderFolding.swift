import DLGGraph

/// NCHW models flatten their features channel-major, dlg's channels-last tensors pixel-major,
/// so the import puts a transpose before each `Flatten`. When the flattened features feed only
/// a product with a weight (a Dense layer: PyTorch's `Linear` after `Flatten`), the weight's
/// rows are reordered instead, once, and the transpose is left for dead-code elimination: the
/// product reads the features as they are.
enum FlattenOrderFolding {
  static func run(_ graph: inout Graph, weights: inout [ValueID: [Float]]) {
    var nodes = graph.nodes
    let readers = graph.readers()
    func soleReader(_ value: ValueID) -> Int? {
      guard let list = readers[value], list.count == 1 else { return nil }
      return list[0]
    }
    for index in nodes.indices {
      guard nodes[index].op is Reshape, graph[nodes[index].outputs[0]].type.rank == 2,
        let producer = graph[nodes[index].inputs[0]].producer,
        let transpose = nodes[producer].op as? Transpose, transpose.permutation.first == 0,
        soleReader(nodes[index].inputs[0]) == index,
        let productIndex = soleReader(nodes[index].outputs[0]),
        let product = nodes[productIndex].op as? MatMul, !product.transposeA, !product.transposeB,
        nodes[productIndex].inputs[0] == nodes[index].outputs[0],
        let weight = weights[nodes[productIndex].inputs[1]],
        soleReader(nodes[productIndex].inputs[1]) == productIndex
      else { continue }
      let source = nodes[producer].inputs[0]
      // Per-sample dimensions of the features as dlg holds them, and as the flatten read them.
      let dims = graph[source].type.dimensions(batch: 1).dropFirst().map { $0 }
      let perm = transpose.permutation.dropFirst().map { $0 - 1 }
      let flattened = perm.map { dims[$0] }
      let count = dims.reduce(1, *)
      let columns = weight.count / max(count, 1)
      guard count > 0, columns * count == weight.count else { continue }
      // For each feature in dlg's order, the row it had in the flatten's order.
      let inverse = Transpose(perm).inverse.permutation
      let rows = ImportContext.permuted(Array(0..<count), from: flattened, inverse).values
      var reordered = [Float](repeating: 0, count: weight.count)
      for (row, from) in rows.enumerated() {
        reordered[(row * columns)..<((row + 1) * columns)] =
          weight[(from * columns)..<((from + 1) * columns)]
      }
      weights[nodes[productIndex].inputs[1]] = reordered
      nodes[index].inputs[0] = source
    }
    graph.replaceNodes(nodes)
  }
}
