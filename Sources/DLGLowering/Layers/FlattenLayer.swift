import DLGGraph

extension LayerCatalog {
  /// `Flatten`: `[N, d1, d2, ...]` to `[N, d1·d2·...]`, a view of the same memory.
  static let flatten = LayerSpec(
    name: "Flatten", family: .reshape,
    lowering: { _, inputs, context throws(GraphError) in
      let type = context.graph[inputs[0]].type
      guard type.shape.first == .batch else {
        throw GraphError("Flatten expects a batched tensor [N, ...], got \(type)")
      }
      return try context.apply(Reshape([.batch, .fixed(type.elementsPerItem)]), inputs)
    })

  /// `Reshape[7, 7, 64]`: a new per-sample shape with the same number of elements.
  static let reshape = LayerSpec(
    name: "Reshape", parameters: [ParameterSpec("shape", .shape)], family: .reshape,
    lowering: { arguments, inputs, context throws(GraphError) in
      let target: [Dimension] = [.batch] + arguments.shape("shape").map { .fixed($0) }
      return try context.apply(Reshape(target), inputs)
    })
}

@used @section("dlg_registry")
private let registration: Registration = {
  LayerCatalog.register(LayerCatalog.flatten, LayerCatalog.reshape)
}
