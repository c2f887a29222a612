import DLGGraph

extension LayerCatalog {
  /// `Dropout[0.5]`: drops a fraction of activations while training, nothing in evaluation.
  static let dropout = LayerSpec(
    name: "Dropout", parameters: [ParameterSpec("rate", .float)], family: .other,
    lowering: { arguments, inputs, context throws(GraphError) in
      let rate = arguments.float("rate")
      guard rate >= 0, rate < 1 else {
        throw GraphError("a dropout rate must be at least 0 and below 1, got \(rate)")
      }
      // The layer's name seeds its masks, so two dropout layers never share one.
      let salt = context.layerName.utf8.reduce(UInt64(0xCBF2_9CE4_8422_2325)) {
        ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01B3
      }
      return try context.graph.apply(
        Dropout(rate: Float(rate), salt: salt), inputs,
        name: "\(context.layerName)/Dropout", location: context.location)[0]
    })
}

@used @section("dlg_registry")
private let registration: Registration = {
  LayerCatalog.register(LayerCatalog.dropout)
}
