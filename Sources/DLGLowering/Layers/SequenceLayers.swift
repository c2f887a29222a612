import DLGGraph

/// Layers over sequences `[N, length, channels]`. Each lowers to its 2-D counterpart on a
/// `[N, 1, length, channels]` view, so 1-D and 2-D share one kernel and one gradient.
extension LayerCatalog {
  /// The sequence as a one-row image, and the way back.
  static func asImage(_ x: ValueID, _ context: inout LayerLoweringContext, layer: String)
    throws(GraphError) -> (image: ValueID, length: Int)
  {
    let type = context.graph[x].type
    guard type.rank == 3, case .fixed(let length) = type.shape[1], type.dtype == .float32 else {
      throw GraphError(
        "\(layer) expects sequences [N, length, channels], got \(type)",
        help: "an Embedding gives [N, length, dimensions]")
    }
    let image = try context.apply(
      Reshape([type.shape[0], .fixed(1), type.shape[1], type.shape[2]]), [x])
    return (image, length)
  }

  static func asSequence(_ image: ValueID, _ context: inout LayerLoweringContext) throws(GraphError)
    -> ValueID
  {
    let type = context.graph[image].type
    return try context.apply(Reshape([type.shape[0], type.shape[2], type.shape[3]]), [image])
  }

  /// `Conv1D[filters, kernel, activation, stride:, padding:]`.
  static let conv1D = LayerSpec(
    name: "Conv1D", aliases: ["Conv1d"],
    parameters: [
      ParameterSpec("filters", .integer),
      ParameterSpec("kernel", .integer),
      ParameterSpec("activation", .activation, default: .name("linear")),
      ParameterSpec("stride", .integer, default: .integer(1), positional: false),
      ParameterSpec(
        "padding", .choice(["valid", "same"]), default: .name("valid"), positional: false),
    ],
    family: .convolution,
    lowering: { arguments, inputs, context throws(GraphError) in
      let (image, _) = try asImage(inputs[0], &context, layer: "Conv1D")
      guard case .fixed(let channels) = context.graph[image].type.shape[3] else {
        throw GraphError("Conv1D needs a fixed number of channels")
      }
      let (filters, kernel) = (arguments.integer("filters"), arguments.integer("kernel"))
      let weight = try context.parameter(
        "weight", [1, kernel, channels, filters],
        .glorotUniform(fanIn: kernel * channels, fanOut: kernel * filters))
      let attributes = Conv2DAttributes(
        kernel: (1, kernel), stride: (1, arguments.integer("stride")),
        padding: Padding(rawValue: arguments.name("padding") ?? "valid") ?? .valid)
      let convolved = try context.apply(Conv2D(attributes), [image, weight])
      let activated = try context.biasAndActivation(convolved, width: filters, arguments)
      return try asSequence(activated, &context)
    })

  static func pooling1D(_ kind: Pool2D.Kind, name: String, aliases: [String]) -> LayerSpec {
    LayerSpec(
      name: name, aliases: aliases,
      parameters: [ParameterSpec("size", .integer, default: .integer(2))], family: .pooling,
      lowering: { arguments, inputs, context throws(GraphError) in
        let (image, _) = try asImage(inputs[0], &context, layer: name)
        let size = arguments.integer("size")
        let pooled = try context.apply(
          Pool2D(kind, window: Conv2DAttributes(kernel: (1, size), stride: (1, size))), [image])
        return try asSequence(pooled, &context)
      })
  }

  /// `MaxPool1D[2]`: the maximum of each window of `size` steps.
  static let maxPool1D = pooling1D(
    .max, name: "MaxPool1D", aliases: ["MaxPooling1D", "MaxPool1d"])
  /// `AvgPool1D[2]`: the mean of each window of `size` steps.
  static let avgPool1D = pooling1D(
    .average, name: "AvgPool1D", aliases: ["AveragePooling1D", "AvgPooling1D", "AvgPool1d"])

  static func globalPooling1D(_ kind: Pool2D.Kind, name: String, aliases: [String]) -> LayerSpec {
    LayerSpec(
      name: name, aliases: aliases, family: .pooling,
      lowering: { _, inputs, context throws(GraphError) in
        let (image, length) = try asImage(inputs[0], &context, layer: name)
        if let mask = context.mask {
          // Padded steps (mask_zero) are left out of the mean or the maximum.
          return try context.apply(MaskedSequencePool(max: kind == .max), [inputs[0], mask])
        }
        let pooled = try context.apply(
          Pool2D(kind, window: Conv2DAttributes(kernel: (1, length), stride: (1, length))),
          [image])
        let type = context.graph[pooled].type
        return try context.apply(Reshape([type.shape[0], type.shape[3]]), [pooled])
      })
  }

  /// `GlobalMaxPool1D`: the maximum of each channel over the whole sequence, `[N, channels]`.
  static let globalMaxPool1D = globalPooling1D(
    .max, name: "GlobalMaxPool1D", aliases: ["GlobalMaxPooling1D"])
  /// `GlobalAvgPool1D`: the mean of each channel over the whole sequence, `[N, channels]`.
  static let globalAvgPool1D = globalPooling1D(
    .average, name: "GlobalAvgPool1D", aliases: ["GlobalAveragePooling1D"])
}

extension LayerCatalog {
  /// `Embedding[vocabulary, dimensions, mask_zero: false]`: integer ids `i32[N, length]` to
  /// vectors `[N, length, dimensions]`. With `mask_zero: true`, id 0 is padding: the layers
  /// after it that read steps (recurrent layers, attention's keys, sequence pooling) skip
  /// padded steps.
  static let embedding = LayerSpec(
    name: "Embedding",
    parameters: [
      ParameterSpec("vocabulary", .integer), ParameterSpec("dimensions", .integer),
      ParameterSpec(
        "mask_zero", .choice(["true", "false"]), default: .name("false"), positional: false),
    ],
    family: .other,
    lowering: { arguments, inputs, context throws(GraphError) in
      let (vocabulary, dimensions) = (
        arguments.integer("vocabulary"), arguments.integer("dimensions")
      )
      let table = try context.parameter(
        "table", [vocabulary, dimensions], .glorotUniform(fanIn: vocabulary, fanOut: dimensions))
      if arguments.name("mask_zero") == "true" {
        context.outputMask = try context.apply(PaddingMask(), [inputs[0]])
      }
      return try context.apply(EmbeddingLookup(), [inputs[0], table])
    })
}

@used @section("dlg_registry")
private let registration: Registration = {
  LayerCatalog.register(
    LayerCatalog.conv1D, LayerCatalog.maxPool1D, LayerCatalog.avgPool1D,
    LayerCatalog.globalMaxPool1D, LayerCatalog.globalAvgPool1D, LayerCatalog.embedding)
}
