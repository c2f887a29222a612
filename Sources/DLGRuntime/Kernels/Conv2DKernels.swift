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

/// Which of a convolution's three products a kernel computes.
enum ConvolutionPass {
  case forward, inputGradient, filterGradient
}

/// What the convolution kernels share: the geometry their buffers imply, the workspace and
/// the matrix product of their pass, in one place for the forward pass (plain or fused) and
/// both gradients.
protocol ConvolutionKernel: CPUKernel {
  var attributes: Conv2DAttributes { get }
  static var pass: ConvolutionPass { get }
}

extension ConvolutionKernel {
  /// The geometry for these shapes: the image is the forward pass's input (the output, for
  /// the input gradient), the filter count the filter's last axis.
  func geometry(inputs: [[Int]], outputs: [[Int]]) -> ConvGeometry {
    switch Self.pass {
    case .forward: attributes.geometry(input: inputs[0], outChannels: inputs[1][3])
    case .inputGradient: attributes.geometry(input: outputs[0], outChannels: inputs[1][3])
    case .filterGradient: attributes.geometry(input: inputs[0], outChannels: outputs[0][3])
    }
  }

  func geometry(_ binding: KernelBinding) -> ConvGeometry {
    geometry(inputs: binding.inputs.map(\.dimensions), outputs: binding.outputs.map(\.dimensions))
  }

  public func scratchCount(inputs: [[Int]], outputs: [[Int]]) -> Int {
    let g = geometry(inputs: inputs, outputs: outputs)
    return switch Self.pass {
    case .forward: g.forwardScratchCount
    case .inputGradient: g.backwardInputScratchCount
    case .filterGradient: g.backwardFilterScratchCount
    }
  }

  public func matrixProducts(inputs: [[Int]], outputs: [[Int]]) -> [MatrixProduct] {
    let g = geometry(inputs: inputs, outputs: outputs)
    return switch Self.pass {
    case .forward: [g.forwardProduct]
    case .inputGradient: [g.backwardInputProduct]
    case .filterGradient: [g.backwardFilterProduct]
    }
  }
}

extension Conv2D: ConvolutionKernel {
  static var pass: ConvolutionPass { .forward }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let geometry = geometry(binding)
    let (x, w, y) = (binding.inputs[0].floats, binding.inputs[1].floats, binding.outputs[0].floats)
    let scratch = binding.scratch ?? y
    return { _ in
      Convolution2D.forward(geometry, input: x, filter: w, output: y, scratch: scratch)
    }
  }
}

extension FusedConv2D: ConvolutionKernel {
  static var pass: ConvolutionPass { .forward }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let geometry = geometry(binding)
    let (x, w, b) = (binding.inputs[0].floats, binding.inputs[1].floats, binding.inputs[2].floats)
    let (y, activation) = (binding.outputs[0].floats, activation.kernel)
    let scratch = binding.scratch ?? y
    return { _ in
      Convolution2D.forward(
        geometry, input: x, filter: w, output: y, scratch: scratch, bias: b, activation: activation)
    }
  }
}

extension Conv2DBackpropInput: ConvolutionKernel {
  static var pass: ConvolutionPass { .inputGradient }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let geometry = geometry(binding)
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

extension Conv2DBackpropFilter: ConvolutionKernel {
  static var pass: ConvolutionPass { .filterGradient }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let geometry = geometry(binding)
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
