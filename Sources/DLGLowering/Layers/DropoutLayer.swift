import DLGGraph

extension LayerCatalog {
  /// `Dropout[0.5]`: drops a fraction of activations while training, nothing in evaluation.
  static let dropout = LayerSpec(
    name: "Dropout", parameters: [ParameterSpec("rate", .float)], family: .other,
    lowering: { arguments, inputs, context throws(GraphError) in
      try context.dropout(inputs[0], rate: arguments.float("rate"))
    })
}

extension LayerCatalog {
  /// `GaussianNoise[0.1]`: adds noise of that standard deviation while training, nothing in
  /// evaluation.
  static let gaussianNoise = LayerSpec(
    name: "GaussianNoise", parameters: [ParameterSpec("stddev", .nonNegativeNumber)],
    family: .other,
    lowering: { arguments, inputs, context throws(GraphError) in
      try context.gaussianNoise(inputs[0], deviation: arguments.float("stddev"))
    })
}

extension LayerCatalog {
  /// `PatchDropout[0.5, patch: 4x4]`: drops whole patches of an image while training.
  static let patchDropout = LayerSpec(
    name: "PatchDropout",
    parameters: [
      ParameterSpec("rate", .float),
      ParameterSpec("patch", .dimensions(rank: 2), positional: false),
    ], family: .other,
    lowering: { arguments, inputs, context throws(GraphError) in
      try context.patchDropout(
        inputs[0], rate: arguments.float("rate"), patch: arguments.dimensions("patch"))
    })
}

@used @section("dlg_registry")
private let registration: Registration = {
  LayerCatalog.register(
    LayerCatalog.dropout, LayerCatalog.gaussianNoise, LayerCatalog.patchDropout)
}
