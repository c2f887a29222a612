import DLGGraph
import DLGKernels

extension Conv2DAttributes {
  /// The kernel geometry for a concrete NHWC input and filter count.
  func geometry(input: [Int], outChannels: Int) -> ConvGeometry {
    let padH = totalPadding(input: input[1], kernel: kernelHeight, stride: strideHeight)
    let padW = totalPadding(input: input[2], kernel: kernelWidth, stride: strideWidth)
    return ConvGeometry(
      batch: input[0], inHeight: input[1], inWidth: input[2], inChannels: input[3],
      outChannels: outChannels, kernelHeight: kernelHeight, kernelWidth: kernelWidth,
      strideHeight: strideHeight, strideWidth: strideWidth, padTop: padH / 2,
      padLeft: padW / 2, padBottom: padH - padH / 2, padRight: padW - padW / 2)
  }
}

extension Conv2D: CPUKernel {
  public func scratchCount(inputs: [[Int]], outputs: [[Int]]) -> Int {
    attributes.geometry(input: inputs[0], outChannels: inputs[1][3]).forwardScratchCount
  }

  public func matrixProducts(inputs: [[Int]], outputs: [[Int]]) -> [MatrixProduct] {
    [attributes.geometry(input: inputs[0], outChannels: inputs[1][3]).forwardProduct]
  }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let geometry = attributes.geometry(
      input: binding.inputs[0].dimensions, outChannels: binding.inputs[1].dimensions[3])
    let (x, w, y) = (binding.inputs[0].floats, binding.inputs[1].floats, binding.outputs[0].floats)
    let scratch = binding.scratch ?? y
    return { _ in
      Convolution2D.forward(geometry, input: x, filter: w, output: y, scratch: scratch)
    }
  }
}

extension Conv2DBackpropInput: CPUKernel {
  public func scratchCount(inputs: [[Int]], outputs: [[Int]]) -> Int {
    attributes.geometry(input: outputs[0], outChannels: inputs[1][3]).backwardInputScratchCount
  }

  public func matrixProducts(inputs: [[Int]], outputs: [[Int]]) -> [MatrixProduct] {
    [attributes.geometry(input: outputs[0], outChannels: inputs[1][3]).backwardInputProduct]
  }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let geometry = attributes.geometry(
      input: binding.outputs[0].dimensions, outChannels: binding.inputs[1].dimensions[3])
    let (dy, w, dx) = (
      binding.inputs[0].floats, binding.inputs[1].floats, binding.outputs[0].floats
    )
    let scratch = binding.scratch ?? dx
    return { _ in
      Convolution2D.backwardInput(
        geometry, outputGradient: dy, filter: w, inputGradient: dx, scratch: scratch)
    }
  }
}

extension Conv2DBackpropFilter: CPUKernel {
  public func scratchCount(inputs: [[Int]], outputs: [[Int]]) -> Int {
    attributes.geometry(input: inputs[0], outChannels: outputs[0][3]).backwardFilterScratchCount
  }

  public func matrixProducts(inputs: [[Int]], outputs: [[Int]]) -> [MatrixProduct] {
    [attributes.geometry(input: inputs[0], outChannels: outputs[0][3]).backwardFilterProduct]
  }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let geometry = attributes.geometry(
      input: binding.inputs[0].dimensions, outChannels: binding.outputs[0].dimensions[3])
    let (x, dy, dw) = (
      binding.inputs[0].floats, binding.inputs[1].floats, binding.outputs[0].floats
    )
    let scratch = binding.scratch ?? dw
    return { _ in
      Convolution2D.backwardFilter(
        geometry, input: x, outputGradient: dy, filterGradient: dw, scratch: scratch)
    }
  }
}
