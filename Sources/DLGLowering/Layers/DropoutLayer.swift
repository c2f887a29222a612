import DLGGraph

extension LayerCatalog {
  /// `Dropout[0.5]`: drops a fraction of activations while training, nothing in evaluation.
  static let dropout = LayerSpec(
    name: "Dropout", parameters: [ParameterSpec("rate", .float)], family: .other,
    lowering: { arguments, inputs, context throws(GraphError) in
      try context.dropout(inputs[0], rate: arguments.float("rate"))
    })
}

@used @section("dlg_registry")
private let registration: Registration = {
  LayerCatalog.register(LayerCatalog.dropout)
}
