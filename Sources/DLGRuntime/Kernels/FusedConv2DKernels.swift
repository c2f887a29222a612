import DLGGraph
import DLGKernels

extension FusedConv2D: CPUKernel {
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
    let (y, activation) = (binding.outputs[0].floats, activation.kernel)
    let scratch = binding.scratch ?? y
    return { _ in
      Convolution2D.forward(
        geometry, input: x, filter: w, output: y, scratch: scratch, bias: b, activation: activation)
    }
  }
}
