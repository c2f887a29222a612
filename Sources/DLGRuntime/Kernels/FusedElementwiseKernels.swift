import DLGGraph
import DLGKernels

extension FusedElementwise: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    // The loop runs over the outputs, or, for a group that only assigns, over what it assigns.
    let loop = binding.outputs.first ?? binding.inputs[program.stores[0].input]
    let (count, columns) = (loop.count, max(loop.dimensions.last ?? 1, 1))
    let inputs = binding.inputs.map { UnsafePointer($0.floats) }
    let outputs = binding.outputs.map(\.floats)
    let program = KernelTable.compile(program)
    return { _ in program.run(count: count, columns: columns, inputs: inputs, outputs: outputs) }
  }
}
