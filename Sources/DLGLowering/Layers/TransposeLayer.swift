import DLGGraph

extension LayerCatalog {
  /// `Transpose[2, 1]` (also `Permute`, as Keras): reorders the axes of each sample, numbered
  /// from 1 after the batch axis, so `[N, length, features]` becomes `[N, features, length]`.
  static let transpose = LayerSpec(
    name: "Transpose", aliases: ["Permute"], parameters: [ParameterSpec("axes", .shape)],
    family: .reshape,
    lowering: { arguments, inputs, context throws(GraphError) in
      let axes = arguments.shape("axes")
      let rank = context.graph[inputs[0]].type.rank
      guard axes.sorted() == Array(1..<max(rank, 1)) else {
        throw GraphError(
          "Transpose[\(axes.map(String.init).joined(separator: ", "))] must list each of the "
            + "\(rank - 1) sample axes once, numbered from 1",
          notes: ["input: \(context.graph[inputs[0]].type)"],
          help: "for [N, length, features] write Transpose[2, 1]")
      }
      return try context.apply(Transpose([0] + axes), inputs)
    })
}

@used @section("dlg_registry")
private let registration: Registration = {
  LayerCatalog.register(LayerCatalog.transpose)
}
