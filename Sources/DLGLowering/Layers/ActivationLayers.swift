import DLGGraph

extension LayerCatalog {
  /// `Activation[relu]`: a named activation as its own layer.
  static let activation = LayerSpec(
    name: "Activation", parameters: [ParameterSpec("function", .activation)],
    family: .activation,
    lowering: { arguments, inputs, context throws(GraphError) in
      try context.activate(inputs[0], arguments.name("function"))
    })

}

extension LayerCatalog {
  /// A layer of its own for every activation that names one (`ReLU`, `Sigmoid`, `SiLU`): the
  /// activation registry is the single source of them.
  static var activationLayers: [LayerSpec] {
    ActivationRegistry.all.compactMap { function in
      function.layerName.map { name in
        LayerSpec(
          name: name, aliases: function.layerAliases, family: .activation,
          lowering: { _, inputs, context throws(GraphError) in
            try context.activate(inputs[0], function.name)
          })
      }
    }
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  LayerCatalog.register(LayerCatalog.activation)
}
