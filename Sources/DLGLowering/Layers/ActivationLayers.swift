import DLGGraph

extension LayerCatalog {
  /// `Activation[relu]`: a named activation as its own layer.
  static let activation = LayerSpec(
    name: "Activation", parameters: [ParameterSpec("function", .activation)],
    family: .activation,
    lowering: { arguments, inputs, context throws(GraphError) in
      try context.activate(inputs[0], arguments.name("function"))
    })

  /// `Softmax[axis: -1]`: probabilities over one axis, the last by default; sample axes are
  /// numbered from 1 after the batch (as in `Transpose`), or from the end with negative
  /// numbers. Another axis than the last is moved last, softmaxed and moved back.
  static let softmax = LayerSpec(
    name: "Softmax", parameters: [ParameterSpec("axis", .axis, default: .integer(-1))],
    family: .activation,
    lowering: { arguments, inputs, context throws(GraphError) in
      let rank = context.graph[inputs[0]].type.rank
      let axis = arguments.integer("axis")
      let absolute = axis < 0 ? rank + axis : axis
      guard axis != 0, absolute >= 1, absolute < rank else {
        throw GraphError(
          "Softmax over axis \(axis) of a \(rank - 1)-axis sample",
          help: "sample axes are 1 to \(rank - 1), or -1 (the last) to -\(rank - 1); the batch "
            + "axis cannot be softmaxed")
      }
      guard absolute != rank - 1 else { return try context.apply(Softmax(), inputs) }
      var order = Array(0..<rank)
      order.swapAt(absolute, rank - 1)
      let moved = try context.apply(Transpose(order), inputs)
      return try context.apply(Transpose(order), [try context.apply(Softmax(), [moved])])
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
  LayerCatalog.register(LayerCatalog.activation, LayerCatalog.softmax)
}
