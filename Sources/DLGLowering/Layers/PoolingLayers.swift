import DLGGraph

extension LayerCatalog {
  static func pooling(_ kind: Pool2D.Kind, aliases: [String]) -> LayerSpec {
    LayerSpec(
      name: kind.rawValue, aliases: aliases,
      parameters: [
        ParameterSpec("window", .dimensions(rank: 2), default: .dimensions([2, 2])),
        ParameterSpec("stride", .dimensions(rank: 2), positional: false, optional: true),
        ParameterSpec(
          "padding", .choice(["valid", "same"]), default: .name("valid"), positional: false),
      ],
      family: .pooling,
      lowering: { arguments, inputs, context throws(GraphError) in
        let window = arguments.dimensions("window")
        // The stride defaults to the window, as in every framework.
        let stride = arguments.has("stride") ? arguments.dimensions("stride") : window
        let attributes = Conv2DAttributes(
          kernel: (window[0], window[1]), stride: (stride[0], stride[1]),
          padding: Padding(rawValue: arguments.name("padding") ?? "valid") ?? .valid)
        return try context.apply(Pool2D(kind, window: attributes), inputs)
      })
  }

  /// `MaxPool2D[2x2, stride: 2, padding: valid]`.
  static let maxPool2D = pooling(.max, aliases: ["MaxPooling2D", "MaxPool2d"])
  /// `AvgPool2D[2x2]`.
  static let avgPool2D = pooling(.average, aliases: ["AveragePooling2D", "AvgPool2d"])

  static func globalPooling2D(_ kind: Pool2D.Kind, name: String, aliases: [String]) -> LayerSpec {
    LayerSpec(
      name: name, aliases: aliases, family: .pooling,
      lowering: { _, inputs, context throws(GraphError) in
        let type = context.graph[inputs[0]].type
        guard type.rank == 4, case .fixed(let h) = type.shape[1],
          case .fixed(let w) = type.shape[2]
        else {
          throw GraphError("\(name) expects images [N, height, width, channels], got \(type)")
        }
        let pooled = try context.apply(
          Pool2D(kind, window: Conv2DAttributes(kernel: (h, w), stride: (h, w))), inputs)
        return try context.apply(Reshape([.batch, type.shape[3]]), [pooled])
      })
  }

  /// `GlobalAvgPool2D`: the mean of each channel over the whole image, `[N, C]`.
  static let globalAvgPool2D = globalPooling2D(
    .average, name: "GlobalAvgPool2D", aliases: ["GlobalAveragePooling2D"])
  /// `GlobalMaxPool2D`: the maximum of each channel over the whole image, `[N, C]`.
  static let globalMaxPool2D = globalPooling2D(
    .max, name: "GlobalMaxPool2D", aliases: ["GlobalMaxPooling2D"])
}

@used @section("dlg_registry")
private let registration: Registration = {
  LayerCatalog.register(
    LayerCatalog.maxPool2D, LayerCatalog.avgPool2D, LayerCatalog.globalAvgPool2D,
    LayerCatalog.globalMaxPool2D)
}
