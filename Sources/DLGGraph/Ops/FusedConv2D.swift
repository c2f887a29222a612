import DLGKernels

/// `act(conv(x, w) + bias)` in one node. The kernel works through the batch a few images at a
/// time — patches, product, bias and activation — so each image's data stays in cache from
/// gathering to activation. Made by the fusion pass from Conv2D → BiasAdd → ReLU.
public struct FusedConv2D: NonDifferentiable {
  public var attributes: Conv2DAttributes
  public var activation: Activation

  public init(_ attributes: Conv2DAttributes, activation: Activation) {
    self.attributes = attributes
    self.activation = activation
  }

  public var name: String { "FusedConv2D" }
  public var attributeSummary: String {
    "Conv2D + BiasAdd" + (activation == .relu ? " + ReLU" : "") + ", " + attributes.summary
  }
  public var fusionClass: FusionClass { .opaque }
  public var family: OpFamily { .convolution }

  public func outputTypes(for inputs: [TensorType]) throws(ShapeError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 3, op: name)
    let convolved = try Conv2D(attributes).outputTypes(for: Array(inputs[0..<2]))
    return try BiasAdd().outputTypes(for: [convolved[0], inputs[2]])
  }

  public func scratchCount(inputs: [[Int]], outputs: [[Int]]) -> Int {
    attributes.geometry(input: inputs[0], outChannels: inputs[1][3]).forwardScratchCount
  }

  public func matrixProducts(inputs: [[Int]], outputs: [[Int]]) -> [MatrixProduct] {
    [attributes.geometry(input: inputs[0], outChannels: inputs[1][3]).forwardProduct]
  }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let geometry = attributes.geometry(
      input: binding.inputs[0].dimensions, outChannels: binding.inputs[1].dimensions[3])
    let (x, w, b) = (binding.inputs[0].floats, binding.inputs[1].floats, binding.inputs[2].floats)
    let (y, activation) = (binding.outputs[0].floats, activation)
    let scratch = binding.scratch ?? y
    return { _ in
      Convolution2D.forward(
        geometry, input: x, filter: w, output: y, scratch: scratch, bias: b, activation: activation)
    }
  }
}
