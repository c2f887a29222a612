import DLGGraph
import DLGKernels

/// Maps IR ops to CPU kernels: an op with an entry of its own (`CPUKernel`) runs that; an op
/// that only declares its elementwise formula runs as a loop compiled from it. Every op in the
/// registry has one or the other (a test checks).
public enum KernelTable {
  /// True when the runtime can run `op`.
  public static func canRun(_ op: any Operator) -> Bool {
    op is any CPUKernel || op is any ElementwiseFormula
  }

  /// True when the runtime can run ops of this type.
  public static func canRun(_ type: any Operator.Type) -> Bool {
    type is any CPUKernel.Type || type is any ElementwiseFormula.Type
  }

  /// Floats of workspace each node of `graph` needs at this batch size (what the memory
  /// planner places beside the tensors).
  public static func scratchCounts(_ graph: Graph, batch: Int) -> [Int] {
    graph.nodes.map { node in
      scratchCount(
        node.op, inputs: node.inputs.map { graph[$0].type.dimensions(batch: batch) },
        outputs: node.outputs.map { graph[$0].type.dimensions(batch: batch) })
    }
  }

  /// Floats of workspace `op` needs for these shapes.
  public static func scratchCount(_ op: any Operator, inputs: [[Int]], outputs: [[Int]]) -> Int {
    (op as? any CPUKernel)?.scratchCount(inputs: inputs, outputs: outputs) ?? 0
  }

  /// The matrix products `op` performs for these shapes.
  public static func matrixProducts(_ op: any Operator, inputs: [[Int]], outputs: [[Int]])
    -> [MatrixProduct]
  {
    (op as? any CPUKernel)?.matrixProducts(inputs: inputs, outputs: outputs) ?? []
  }

  /// Whether `op`'s kernel splits its work across threads for these shapes, if it says.
  public static func splitsAcrossThreads(_ op: any Operator, inputs: [[Int]], outputs: [[Int]])
    -> Bool?
  {
    (op as? any CPUKernel)?.splitsAcrossThreads(inputs: inputs, outputs: outputs)
  }

  /// Binds `op`'s kernel to its buffers.
  public static func makeKernel(_ op: any Operator, _ binding: KernelBinding) -> Kernel {
    if let kernel = op as? any CPUKernel { return kernel.makeKernel(binding) }
    guard let formula = op as? any ElementwiseFormula else {
      preconditionFailure("no CPU kernel for \(op.opType): add one in DLGRuntime/Kernels")
    }
    return formulaKernel(formula, binding)
  }

  /// An op without a kernel of its own runs as a program of itself.
  private static func formulaKernel(_ op: any ElementwiseFormula, _ binding: KernelBinding)
    -> Kernel
  {
    var program = ElementwiseProgram()
    let registers = binding.inputs.indices.map { program.emit(op.load($0, from: $0)) }
    let result = op.formula(registers, &program)
    let loop: TensorBuffer
    if let target = op.storeTarget {
      program.stores = [.init(register: result, input: target)]
      loop = binding.inputs[target]
    } else {
      program.results = [result]
      loop = binding.outputs[0]
    }
    let compiled = compile(program)
    let (count, columns) = (loop.count, max(loop.dimensions.last ?? 1, 1))
    let inputs = binding.inputs.map { UnsafePointer($0.floats) }
    let outputs = binding.outputs.map(\.floats)
    return { _ in compiled.run(count: count, columns: columns, inputs: inputs, outputs: outputs) }
  }

  /// The loop that runs an IR elementwise program.
  public static func compile(_ program: ElementwiseProgram) -> ElementwiseLoop {
    ElementwiseLoop(
      instructions: program.instructions,
      results: program.results,
      stores: program.stores.map { (register: $0.register, input: $0.input) })
  }

}
