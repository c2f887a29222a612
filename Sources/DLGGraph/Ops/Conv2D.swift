/// How a convolution pads its input.
public enum Padding: String, Sendable, Hashable, Codable {
  /// No padding: the output shrinks by the kernel size minus one.
  case valid
  /// Zero padding so that, with stride 1, the output has the input's spatial size.
  case same
}

/// The static hyper-parameters of a 2-D convolution, and the geometry they imply for concrete
/// shapes. Shared by the forward op and both backward ops so the three always agree.
public struct Conv2DAttributes: Sendable, Hashable, Codable {
  public var kernelHeight: Int
  public var kernelWidth: Int
  public var strideHeight: Int
  public var strideWidth: Int
  public var padding: Padding

  public init(kernel: (Int, Int), stride: (Int, Int) = (1, 1), padding: Padding = .valid) {
    (kernelHeight, kernelWidth) = kernel
    (strideHeight, strideWidth) = stride
    self.padding = padding
  }

  /// Output extent along one axis, or nil when the kernel does not fit.
  public func outputExtent(input: Int, kernel: Int, stride: Int) -> Int? {
    switch padding {
    case .valid: input >= kernel ? (input - kernel) / stride + 1 : nil
    case .same: input >= 1 ? (input + stride - 1) / stride : nil
    }
  }

  /// Total padding along one axis (split with the extra pixel after, as TensorFlow does).
  public func totalPadding(input: Int, kernel: Int, stride: Int) -> Int {
    guard padding == .same, let out = outputExtent(input: input, kernel: kernel, stride: stride)
    else { return 0 }
    return max((out - 1) * stride + kernel - input, 0)
  }

  public var summary: String {
    let stride = strideHeight == strideWidth ? "\(strideHeight)" : "\(strideHeight)×\(strideWidth)"
    return "\(kernelHeight)×\(kernelWidth), stride \(stride), \(padding.rawValue)"
  }
}

/// 2-D convolution of an NHWC input `[N, H, W, C]` with a filter `[kH, kW, C, F]`.
public struct Conv2D: Operator {
  public static let opType = "Conv2D"
  public static let signature = OpSignature(inputs: ["x", "filter"])

  public func validateAttributes() throws(GraphError) {
    try attributes.validate(op: name)
  }
  public var attributes: Conv2DAttributes

  public init(_ attributes: Conv2DAttributes) { self.attributes = attributes }

  public var name: String { "Conv2D" }
  public var attributeSummary: String { attributes.summary }
  public var fusionClass: FusionClass { .opaque }
  public var family: OpFamily { .convolution }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 2, op: name)
    let (x, w) = (inputs[0], inputs[1])
    guard x.rank == 4 else {
      throw GraphError(
        "Conv2D expects an image batch [N, height, width, channels], got \(x)",
        help: "put an Input[height, width, channels] or a Reshape before it")
    }
    try ShapeRules.expectRank(w, 4, op: name, what: "filter")
    guard x.shape[3] == w.shape[2] else {
      throw GraphError(
        "Conv2D filter expects \(w.shape[2]) input channels, but its input has \(x.shape[3])",
        notes: ["input:  \(x)", "filter: \(w)"])
    }
    guard case .fixed(let h) = x.shape[1], case .fixed(let wd) = x.shape[2],
      let outH = attributes.outputExtent(
        input: h, kernel: attributes.kernelHeight, stride: attributes.strideHeight),
      let outW = attributes.outputExtent(
        input: wd, kernel: attributes.kernelWidth, stride: attributes.strideWidth)
    else {
      throw GraphError(
        "a \(attributes.kernelHeight)×\(attributes.kernelWidth) kernel does not fit the input",
        notes: ["input: \(x)"], help: "use padding: same, a smaller kernel, or a larger input")
    }
    return [TensorType(.float32, [x.shape[0], .fixed(outH), .fixed(outW), w.shape[3]])]
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    guard let dy = outputGradients[0] else { return [nil, nil] }
    let (x, w) = (node.inputs[0], node.inputs[1])
    let dx = try builder.add(
      Conv2DBackpropInput(attributes, inputType: builder.type(of: x)), [dy, w], "dInput")
    let dw = try builder.add(
      Conv2DBackpropFilter(attributes, filterType: builder.type(of: w)), [x, dy], "dFilter")
    return [dx, dw]
  }

}

/// Gradient of a convolution with respect to its input. Inputs: (dy, filter).
public struct Conv2DBackpropInput: NonDifferentiable {
  public static let opType = "Conv2DBackpropInput"
  public static let signature = OpSignature(inputs: ["dy", "filter"])

  public func validateAttributes() throws(GraphError) {
    try attributes.validate(op: name)
    try inputType.validate(op: name)
  }
  public var attributes: Conv2DAttributes
  /// The forward input's type, which the output recreates (stride can lose the exact size).
  public var inputType: TensorType

  public init(_ attributes: Conv2DAttributes, inputType: TensorType) {
    self.attributes = attributes
    self.inputType = inputType
  }

  public var name: String { "Conv2DBackpropInput" }
  public var attributeSummary: String { attributes.summary }
  public var fusionClass: FusionClass { .opaque }
  public var family: OpFamily { .convolution }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 2, op: name)
    return [inputType]
  }

}

/// Gradient of a convolution with respect to its filter. Inputs: (x, dy).
public struct Conv2DBackpropFilter: NonDifferentiable {
  public static let opType = "Conv2DBackpropFilter"
  public static let signature = OpSignature(inputs: ["x", "dy"])

  public func validateAttributes() throws(GraphError) {
    try attributes.validate(op: name)
    try filterType.validate(op: name)
  }
  public var attributes: Conv2DAttributes
  public var filterType: TensorType

  public init(_ attributes: Conv2DAttributes, filterType: TensorType) {
    self.attributes = attributes
    self.filterType = filterType
  }

  public var name: String { "Conv2DBackpropFilter" }
  public var attributeSummary: String { attributes.summary }
  public var fusionClass: FusionClass { .opaque }
  public var family: OpFamily { .convolution }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 2, op: name)
    return [filterType]
  }

}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(Conv2D.self, Conv2DBackpropInput.self, Conv2DBackpropFilter.self)
}
