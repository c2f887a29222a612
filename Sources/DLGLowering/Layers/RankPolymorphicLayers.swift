import DLGGraph

/// Layers that take their 1-D or 2-D form from the input, as the names people know from other
/// frameworks do: sequences `[N, length, channels]` get the 1-D layer, images
/// `[N, height, width, channels]` the 2-D one. Each hands its arguments to that layer, so the
/// ops, parameters and weight names are the same as writing it out.
extension LayerCatalog {
  /// Lowers through `sequence` or `image` by the input's rank; `sequenceArguments` turns the
  /// written (2-D style) arguments into the 1-D layer's.
  static func byRank(
    name: String, aliases: [String] = [], parameters: [ParameterSpec], family: OpFamily,
    sequence: LayerSpec, image: LayerSpec,
    sequenceArguments: @escaping @Sendable (BoundArguments) throws(GraphError) -> BoundArguments
  ) -> LayerSpec {
    LayerSpec(
      name: name, aliases: aliases, parameters: parameters, family: family,
      lowering: { arguments, inputs, context throws(GraphError) in
        let type = context.graph[inputs[0]].type
        switch type.rank {
        case 3:
          return try sequence.lowering!(try sequenceArguments(arguments), inputs, &context)
        case 4:
          return try image.lowering!(arguments, inputs, &context)
        default:
          throw GraphError(
            "\(name) expects sequences [N, length, channels] or images "
              + "[N, height, width, channels], got \(type)",
            help: "it is \(sequence.name) on sequences and \(image.name) on images")
        }
      })
  }

  /// One size from a `dimensions(rank: 2)` argument written for a sequence: `3` (which reads
  /// as `3x3`) is 3; `2x3` has no meaning on one axis.
  static func oneAxis(_ arguments: BoundArguments, _ name: String, layer: String)
    throws(GraphError) -> Int
  {
    let sizes = arguments.dimensions(name)
    guard sizes.count == 2, sizes[0] == sizes[1] else {
      throw GraphError(
        "\(layer) on a sequence takes one \(name), not \(sizes.map(String.init).joined(separator: "x"))",
        help: "write a single number, such as \(sizes.first ?? 2)")
    }
    return sizes[0]
  }

  /// `Conv[filters, kernel, activation, stride:, padding:]`: Conv1D or Conv2D.
  static let conv = byRank(
    name: "Conv",
    parameters: conv2D.parameters.filter { $0.name != "share" },
    family: .convolution, sequence: conv1D, image: conv2D
  ) { arguments throws(GraphError) in
    var values = arguments.values
    values["kernel"] = .integer(try oneAxis(arguments, "kernel", layer: "Conv"))
    values["stride"] = .integer(try oneAxis(arguments, "stride", layer: "Conv"))
    return BoundArguments(values: values)
  }

  static func pooling(name: String, sequence: LayerSpec, image: LayerSpec) -> LayerSpec {
    byRank(
      name: name, parameters: image.parameters, family: .pooling, sequence: sequence,
      image: image
    ) { arguments throws(GraphError) in
      let size = try oneAxis(arguments, "window", layer: name)
      // The 1-D layers stride by their window and do not pad.
      let stride = arguments.has("stride") ? try oneAxis(arguments, "stride", layer: name) : size
      guard stride == size, arguments.name("padding") == "valid" else {
        throw GraphError(
          "\(name) on a sequence takes only a window size",
          help: "the stride is the window, and there is no padding, for \(sequence.name)")
      }
      return BoundArguments(values: ["size": .integer(size)])
    }
  }

  /// `MaxPool[window]`: MaxPool1D or MaxPool2D.
  static let maxPool = pooling(name: "MaxPool", sequence: maxPool1D, image: maxPool2D)
  /// `AvgPool[window]`: AvgPool1D or AvgPool2D.
  static let avgPool = pooling(name: "AvgPool", sequence: avgPool1D, image: avgPool2D)

  /// `GlobalAvgPool`: the mean of each channel over the sequence or the image, `[N, channels]`.
  static let globalAvgPool = byRank(
    name: "GlobalAvgPool", aliases: ["GlobalAveragePooling"], parameters: [], family: .pooling,
    sequence: globalAvgPool1D, image: globalAvgPool2D
  ) { $0 }
  /// `GlobalMaxPool`: the maximum of each channel over the sequence or the image.
  static let globalMaxPool = byRank(
    name: "GlobalMaxPool", aliases: ["GlobalMaxPooling"], parameters: [], family: .pooling,
    sequence: globalMaxPool1D, image: globalMaxPool2D
  ) { $0 }
}

@used @section("dlg_registry")
private let registration: Registration = {
  LayerCatalog.register(
    LayerCatalog.conv, LayerCatalog.maxPool, LayerCatalog.avgPool, LayerCatalog.globalAvgPool,
    LayerCatalog.globalMaxPool)
}
