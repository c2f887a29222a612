/// Looks up one row of a table per integer id: `ids i32[N, L]` and `table [V, D]` give
/// `[N, L, D]`. Ids outside the table give zeros (data loaders map unknown words to a known id).
public struct EmbeddingLookup: Operator {
  public init() {}

  public var name: String { "Embedding" }
  public var fusionClass: FusionClass { .injective }
  public var family: OpFamily { .other }

  public func outputTypes(for inputs: [TensorType]) throws(ShapeError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 2, op: name)
    let (ids, table) = (inputs[0], inputs[1])
    guard ids.dtype == .int32 else {
      throw ShapeError(
        "Embedding looks up integer ids, got \(ids)",
        help: "declare the input as i32[N, length]")
    }
    try ShapeRules.expectRank(table, 2, op: name, what: "table")
    return [TensorType(.float32, ids.shape + [table.shape[1]])]
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(ShapeError) -> [ValueID?]
  {
    guard let dy = outputGradients[0] else { return [nil, nil] }
    let table = builder.type(of: node.inputs[1])
    return [nil, try builder.add(EmbeddingGradient(table: table), [node.inputs[0], dy], "dTable")]
  }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let ids = binding.inputs[0]
    let table = binding.inputs[1]
    let (rows, width) = (table.dimensions[0], table.dimensions[1])
    let (count, pids, ptable, y) = (ids.count, ids.ints, table.floats, binding.outputs[0].floats)
    return { _ in
      for i in 0..<count {
        let id = Int(pids[i])
        if id >= 0, id < rows {
          (y + i * width).update(from: ptable + id * width, count: width)
        } else {
          (y + i * width).update(repeating: 0, count: width)
        }
      }
    }
  }
}

/// The table gradient of an embedding: each id's rows of `dy` summed into its table row.
/// Inputs: (ids, dy).
public struct EmbeddingGradient: NonDifferentiable {
  public var table: TensorType

  public init(table: TensorType) { self.table = table }

  public var name: String { "EmbeddingGradient" }
  public var fusionClass: FusionClass { .opaque }
  public var family: OpFamily { .other }

  public func outputTypes(for inputs: [TensorType]) throws(ShapeError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 2, op: name)
    return [table]
  }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let ids = binding.inputs[0]
    let output = binding.outputs[0]
    let (rows, width) = (output.dimensions[0], output.dimensions[1])
    let (count, pids, dy, dTable) = (ids.count, ids.ints, binding.inputs[1].floats, output.floats)
    return { _ in
      dTable.update(repeating: 0, count: rows * width)
      for i in 0..<count {
        let id = Int(pids[i])
        guard id >= 0, id < rows else { continue }
        let target = dTable + id * width
        let source = dy + i * width
        for d in 0..<width { target[d] += source[d] }
      }
    }
  }
}
