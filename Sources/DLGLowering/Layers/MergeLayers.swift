import DLGGraph

extension LayerCatalog {
  /// `Add`: elementwise sum of two inputs of the same shape.
  static let add = LayerSpec(
    name: "Add", inputArity: 2...2, family: .merge,
    lowering: { _, inputs, context throws(GraphError) in try context.apply(Add(), inputs) })

  /// `Multiply`: elementwise product of two inputs of the same shape.
  static let multiply = LayerSpec(
    name: "Multiply", inputArity: 2...2, family: .merge,
    lowering: { _, inputs, context throws(GraphError) in try context.apply(Multiply(), inputs) })

  /// `Concat`: joins its inputs along the last axis (channels, or features).
  static let concat = LayerSpec(
    name: "Concat", inputArity: 2...64, family: .merge,
    lowering: { _, inputs, context throws(GraphError) in try context.apply(Concat(), inputs) })
}

@used @section("dlg_registry")
private let registration: Registration = {
  LayerCatalog.register(LayerCatalog.add, LayerCatalog.multiply, LayerCatalog.concat)
}
