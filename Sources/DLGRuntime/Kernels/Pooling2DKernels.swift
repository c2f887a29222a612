import DLGGraph
import DLGKernels

extension Pool2D: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let dims = binding.inputs[0].dimensions
    let geometry = window.geometry(input: dims, outChannels: dims[3])
    let (x, y, kind) = (binding.inputs[0].floats, binding.outputs[0].floats, kind)
    return { _ in
      switch kind {
      case .max: Pooling.maxForward(geometry, input: x, output: y)
      case .average: Pooling.averageForward(geometry, input: x, output: y)
      }
    }
  }
}

extension Pool2DGradient: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let dims = binding.inputs[0].dimensions
    let geometry = window.geometry(input: dims, outChannels: dims[3])
    let (x, y, dy) = (binding.inputs[0].floats, binding.inputs[1].floats, binding.inputs[2].floats)
    let (dx, kind) = (binding.outputs[0].floats, kind)
    return { _ in
      switch kind {
      case .max:
        Pooling.maxBackward(
          geometry, input: x, output: y, outputGradient: dy, inputGradient: dx)
      case .average: Pooling.averageBackward(geometry, outputGradient: dy, inputGradient: dx)
      }
    }
  }
}
