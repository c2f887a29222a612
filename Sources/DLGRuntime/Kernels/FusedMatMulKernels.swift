import DLGGraph
import DLGKernels

extension FusedMatMul: CPUKernel {
  public func matrixProducts(inputs: [[Int]], outputs: [[Int]]) -> [MatrixProduct] {
    matMul.matrixProducts(inputs: inputs, outputs: outputs)
  }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    var operands = KernelBinding(
      inputs: Array(binding.inputs[0..<2]), outputs: binding.outputs, scratch: nil)
    operands.packedWeight = binding.packedWeight
    let product = matMul.makeKernel(operands)
    let y = binding.outputs[0]
    let (rows, columns) = (ShapeRules.rows(y.dimensions), y.dimensions.last ?? 1)
    let (bias, out, activation) = (binding.inputs[2].floats, y.floats, activation.kernel)
    return { info in
      product(info)
      Elementwise.biasActivation(
        rows: rows, columns: columns, x: out, bias: bias, activation: activation, y: out)
    }
  }
}
