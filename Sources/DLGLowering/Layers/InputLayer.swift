import DLGGraph

extension LayerCatalog {
  /// `Input[28, 28, 1]`: a batch of samples of the given shape, fed from the data source.
  static let input = LayerSpec(
    name: "Input", parameters: [ParameterSpec("shape", .shape)], inputArity: 0...0,
    family: .input,
    lowering: { arguments, _, context throws(GraphError) in
      context.graph.addInput(context.layerName, .batched(arguments.shape("shape")))
    })
}

@used @section("dlg_registry")
private let registration: Registration = {
  LayerCatalog.register(LayerCatalog.input)
}
