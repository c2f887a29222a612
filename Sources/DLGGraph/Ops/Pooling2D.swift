/// Max or average pooling of NHWC images over a window.
public struct Pool2D: Operator {
  public static let opType = "Pool2D"
  public static let signature = OpSignature(inputs: ["x"])

  public func validateAttributes() throws(GraphError) {
    try window.validate(op: name)
  }
  public enum Kind: String, Sendable, Hashable, Codable {
    case max = "MaxPool2D"
    case average = "AvgPool2D"
  }

  public var kind: Kind
  /// The window as a kernel: same geometry rules as a convolution.
  public var window: Conv2DAttributes

  public init(_ kind: Kind, window: Conv2DAttributes) {
    self.kind = kind
    self.window = window
  }

  public var name: String { kind.rawValue }
  public var attributeSummary: String { window.summary }
  public var fusionClass: FusionClass { .reduction }
  public var family: OpFamily { .pooling }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 1, op: name)
    let x = inputs[0]
    guard x.rank == 4, case .fixed(let h) = x.shape[1], case .fixed(let w) = x.shape[2] else {
      throw GraphError(
        "\(name) expects images [N, height, width, channels], got \(x)",
        help: "pooling goes after a convolution or an image Input")
    }
    guard
      let outH = window.outputExtent(
        input: h, kernel: window.kernelHeight, stride: window.strideHeight),
      let outW = window.outputExtent(
        input: w, kernel: window.kernelWidth, stride: window.strideWidth)
    else {
      throw GraphError(
        "a \(window.kernelHeight)×\(window.kernelWidth) window does not fit the input",
        notes: ["input: \(x)"], help: "use a smaller window or padding: same")
    }
    return [TensorType(.float32, [x.shape[0], .fixed(outH), .fixed(outW), x.shape[3]])]
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    guard let dy = outputGradients[0] else { return [nil] }
    let gradient = Pool2DGradient(kind, window: window, inputType: builder.type(of: node.inputs[0]))
    return [try builder.add(gradient, [node.inputs[0], node.outputs[0], dy], "d\(name)")]
  }

}

/// The gradient of pooling. Inputs: (x, y, dy); output: dx.
public struct Pool2DGradient: NonDifferentiable {
  public static let opType = "Pool2DGradient"
  public static let signature = OpSignature(inputs: ["x", "y", "dy"])

  public func validateAttributes() throws(GraphError) {
    try window.validate(op: name)
    try inputType.validate(op: name)
  }
  public var kind: Pool2D.Kind
  public var window: Conv2DAttributes
  public var inputType: TensorType

  public init(_ kind: Pool2D.Kind, window: Conv2DAttributes, inputType: TensorType) {
    self.kind = kind
    self.window = window
    self.inputType = inputType
  }

  public var name: String { kind.rawValue + "Gradient" }
  public var attributeSummary: String { window.summary }
  public var fusionClass: FusionClass { .reduction }
  public var family: OpFamily { .pooling }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 3, op: name)
    return [inputType]
  }

}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(Pool2D.self, Pool2DGradient.self)
}
