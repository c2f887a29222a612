import DLGGraph

extension LayerCatalog {
  /// `image: f32[N, 28, 28, 1]`, `ids: i32[N, 100]`: an input with its element type written
  /// out; `N` is the batch dimension.
  static func typedInput(_ dtype: DType) -> LayerSpec {
    LayerSpec(
      name: dtype.rawValue, parameters: [ParameterSpec("shape", .batchedShape)],
      inputArity: 0...0, family: .input,
      lowering: { arguments, _, context throws(GraphError) in
        context.graph.addInput(context.layerName, .batched(arguments.shape("shape"), dtype: dtype))
      })
  }

  static let f32Input = typedInput(.float32)
  static let i32Input = typedInput(.int32)
}

@used @section("dlg_registry")
private let registration: Registration = {
  LayerCatalog.register(LayerCatalog.f32Input, LayerCatalog.i32Input)
}
