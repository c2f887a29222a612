import DLGKernels

/// `act(op(A) · op(B) + bias)` in one node: the bias and activation run on the product while
/// it is still in cache. Made by the fusion pass from MatMul → BiasAdd → ReLU.
public struct FusedMatMul: NonDifferentiable {
  public var matMul: MatMul
  public var activation: Activation

  public init(_ matMul: MatMul, activation: Activation) {
    self.matMul = matMul
    self.activation = activation
  }

  public var name: String { "FusedMatMul" }
  public var attributeSummary: String {
    "MatMul + BiasAdd" + (activation == .relu ? " + ReLU" : "")
  }
  public var fusionClass: FusionClass { .opaque }
  public var family: OpFamily { .dense }

  public func outputTypes(for inputs: [TensorType]) throws(ShapeError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 3, op: name)
    let product = try matMul.outputTypes(for: Array(inputs[0..<2]))
    return try BiasAdd().outputTypes(for: [product[0], inputs[2]])
  }

  public func matrixProducts(inputs: [[Int]], outputs: [[Int]]) -> [MatrixProduct] {
    matMul.matrixProducts(inputs: inputs, outputs: outputs)
  }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let product = matMul.makeKernel(
      KernelBinding(inputs: Array(binding.inputs[0..<2]), outputs: binding.outputs, scratch: nil))
    let y = binding.outputs[0]
    let (rows, columns) = (y.dimensions[0], y.dimensions[1])
    let (bias, out, activation) = (binding.inputs[2].floats, y.floats, activation)
    return { info in
      product(info)
      Elementwise.biasActivation(
        rows: rows, columns: columns, x: out, bias: bias, activation: activation, y: out)
    }
  }
}
