import DLGGraph

extension LayerCatalog {
  /// `Output`: marks a network output; passes its input through unchanged.
  static let output = LayerSpec(
    name: "Output", parameters: [ParameterSpec("units", .integer, default: .integer(0))],
    family: .output,
    lowering: { arguments, inputs, context throws(GraphError) in
      let type = context.graph[inputs[0]].type
      let units = arguments.integer("units")
      if units > 0, type.shape.last != .fixed(units) {
        throw GraphError(
          "Output[\(units)] receives \(type.shapeDescription)",
          notes: ["expected last dimension: \(units)", "got: \(type)"])
      }
      return inputs[0]
    })
}

@used @section("dlg_registry")
private let registration: Registration = {
  LayerCatalog.register(LayerCatalog.output)
}
