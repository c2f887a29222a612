import DLGGraph

extension LayerCatalog {
  /// `ReLU`: max(x, 0).
  static let relu = LayerSpec(
    name: "ReLU", aliases: ["Relu"], family: .activation,
    lowering: { _, inputs, context throws(ShapeError) in try context.apply(ReLU(), inputs) })

  /// `Softmax`: probabilities over the last axis.
  static let softmax = LayerSpec(
    name: "Softmax", family: .activation,
    lowering: { _, inputs, context throws(ShapeError) in try context.apply(Softmax(), inputs) })

  /// `Activation[relu]`: a named activation as its own layer.
  static let activation = LayerSpec(
    name: "Activation", parameters: [ParameterSpec("function", .choice(activationNames))],
    family: .activation,
    lowering: { arguments, inputs, context throws(ShapeError) in
      try context.activate(inputs[0], arguments.name("function"))
    })

  /// `Output`: marks a network output; passes its input through unchanged.
  static let output = LayerSpec(
    name: "Output", parameters: [ParameterSpec("units", .integer, default: .integer(0))],
    family: .output,
    lowering: { arguments, inputs, context throws(ShapeError) in
      let type = context.graph[inputs[0]].type
      let units = arguments.integer("units")
      if units > 0, type.shape.last != .fixed(units) {
        throw ShapeError(
          "Output[\(units)] receives \(type.shapeDescription)",
          notes: ["expected last dimension: \(units)", "got: \(type)"])
      }
      return inputs[0]
    })

  /// `Add`: elementwise sum of two inputs of the same shape.
  static let add = LayerSpec(
    name: "Add", inputArity: 2...2, family: .merge,
    lowering: { _, inputs, context throws(ShapeError) in try context.apply(Add(), inputs) })
}

extension LayerCatalog {
  /// `Dropout[0.5]`: drops a fraction of activations while training, nothing in evaluation.
  static let dropout = LayerSpec(
    name: "Dropout", parameters: [ParameterSpec("rate", .float)], family: .other,
    lowering: { arguments, inputs, context throws(ShapeError) in
      let rate = arguments.float("rate")
      guard rate >= 0, rate < 1 else {
        throw ShapeError("a dropout rate must be at least 0 and below 1, got \(rate)")
      }
      // The layer's name seeds its masks, so two dropout layers never share one.
      let salt = context.layerName.utf8.reduce(UInt64(0xCBF2_9CE4_8422_2325)) {
        ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01B3
      }
      return try context.graph.apply(
        Dropout(rate: Float(rate), salt: salt), inputs,
        name: "\(context.layerName)/Dropout", location: context.location)[0]
    })

  /// `Multiply`: elementwise product of two inputs of the same shape.
  static let multiply = LayerSpec(
    name: "Multiply", inputArity: 2...2, family: .merge,
    lowering: { _, inputs, context throws(ShapeError) in try context.apply(Multiply(), inputs) })
}

extension LayerCatalog {
  /// `Concat`: joins its inputs along the last axis (channels, or features).
  static let concat = LayerSpec(
    name: "Concat", inputArity: 2...64, family: .merge,
    lowering: { _, inputs, context throws(ShapeError) in try context.apply(Concat(), inputs) })
}
