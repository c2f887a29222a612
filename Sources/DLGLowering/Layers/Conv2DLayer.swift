import DLGGraph

extension LayerCatalog {
  /// `Conv2D[filters, 3x3, relu, stride: 1, padding: valid]` on NHWC images.
  static let conv2D = LayerSpec(
    name: "Conv2D", aliases: ["Conv2d", "Convolution2D"],
    parameters: [
      ParameterSpec("filters", .integer),
      ParameterSpec("kernel", .dimensions(rank: 2)),
      ParameterSpec("activation", .activation, default: .name("linear")),
      ParameterSpec(
        "stride", .dimensions(rank: 2), default: .dimensions([1, 1]), positional: false),
      ParameterSpec(
        "padding", .choice(["valid", "same"]), default: .name("valid"), positional: false),
      ParameterSpec("bias", .choice(["true", "false"]), default: .name("true"), positional: false),
      ParameterSpec("share", .layerReference, positional: false, optional: true),
    ],
    family: .convolution,
    lowering: { arguments, inputs, context throws(GraphError) in
      let x = inputs[0]
      let type = context.graph[x].type
      guard type.rank == 4, case .fixed(let channels) = type.shape[3] else {
        throw GraphError(
          "Conv2D expects images [N, height, width, channels], got \(type)",
          help: "declare the input as Input[height, width, channels]")
      }
      let filters = arguments.integer("filters")
      let kernel = arguments.dimensions("kernel")
      let stride = arguments.dimensions("stride")
      let padding = Padding(rawValue: arguments.name("padding") ?? "valid") ?? .valid
      let fanIn = kernel[0] * kernel[1] * channels
      let fanOut = kernel[0] * kernel[1] * filters
      context.sharedWith = arguments.name("share")
      let weight = try context.parameter(
        "weight", [kernel[0], kernel[1], channels, filters],
        .glorotUniform(fanIn: fanIn, fanOut: fanOut))
      let attributes = Conv2DAttributes(
        kernel: (kernel[0], kernel[1]), stride: (stride[0], stride[1]), padding: padding)
      let product = try context.apply(Conv2D(attributes), [x, weight])
      return try context.biasAndActivation(product, width: filters, arguments)
    })
}

@used @section("dlg_registry")
private let registration: Registration = {
  LayerCatalog.register(LayerCatalog.conv2D)
}
