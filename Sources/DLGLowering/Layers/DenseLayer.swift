import DLGGraph

extension LayerCatalog {
  /// `Dense[units, activation]`: a fully connected layer, `act(x · W + b)`, on `[N, features]`,
  /// or on each position of a sequence `[N, length, features]` (one product over all rows).
  static let dense = LayerSpec(
    name: "Dense", aliases: ["Linear", "FullyConnected"],
    parameters: [
      ParameterSpec("units", .integer),
      ParameterSpec("activation", .activation, default: .name("linear")),
      ParameterSpec("bias", .choice(["true", "false"]), default: .name("true"), positional: false),
      ParameterSpec("share", .layerReference, positional: false, optional: true),
    ],
    family: .dense,
    lowering: { arguments, inputs, context throws(GraphError) in
      let x = inputs[0]
      let type = context.graph[x].type
      guard type.dtype == .float32 else {
        throw GraphError(
          "Dense expects f32 features, got \(type)",
          help: "integer ids go through an Embedding layer first")
      }
      guard type.rank == 2 || type.rank == 3, case .fixed(let features) = type.shape.last else {
        throw GraphError(
          "Dense expects feature vectors [N, features] or a sequence [N, length, features], "
            + "got \(type)",
          help: "add a Flatten layer before it")
      }
      let units = arguments.integer("units")
      context.sharedWith = arguments.name("share")
      let weight = try context.parameter(
        "weight", [features, units], .glorotUniform(fanIn: features, fanOut: units))
      let product = try context.apply(MatMul(), [x, weight])
      return try context.biasAndActivation(product, width: units, arguments)
    })
}

@used @section("dlg_registry")
private let registration: Registration = {
  LayerCatalog.register(LayerCatalog.dense)
}
