import DLGGraph
import DLGPasses

/// Constant folding's evaluator on the CPU: runs a node's kernel once on its constant inputs,
/// in buffers owned here.
public struct KernelConstantEvaluator: ConstantEvaluator {
  public init() {}

  public func evaluate(_ node: Node, in graph: Graph) -> [Float]? {
    guard KernelTable.canRun(node.op) else { return nil }
    let outputType = graph[node.outputs[0]].type
    let outputDims = outputType.dimensions(batch: 1)
    var owned: [UnsafeMutablePointer<Float>] = []
    defer { for pointer in owned { pointer.deallocate() } }
    func buffer(_ data: [Float], count: Int) -> UnsafeMutablePointer<Float> {
      let pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
      pointer.initialize(repeating: 0, count: max(count, 1))
      pointer.update(from: data, count: min(data.count, count))
      owned.append(pointer)
      return pointer
    }
    var inputs: [TensorBuffer] = []
    var inputDims: [[Int]] = []
    for id in node.inputs {
      guard case .constant(let data) = graph[id].role else { return nil }
      let dims = graph[id].type.dimensions(batch: 1)
      inputDims.append(dims)
      inputs.append(
        TensorBuffer(
          base: UnsafeMutableRawPointer(buffer(data, count: data.count)), dimensions: dims,
          dtype: graph[id].type.dtype))
    }
    let count = outputType.elementsPerItem
    let output = buffer([], count: count)
    let scratchCount = KernelTable.scratchCount(
      node.op, inputs: inputDims, outputs: [outputDims])
    let binding = KernelBinding(
      inputs: inputs,
      outputs: [
        TensorBuffer(
          base: UnsafeMutableRawPointer(output), dimensions: outputDims, dtype: outputType.dtype)
      ],
      scratch: scratchCount > 0 ? buffer([], count: scratchCount) : nil)
    KernelTable.makeKernel(node.op, binding)(RuntimeContext(step: 1, training: false))
    return Array(UnsafeBufferPointer(start: output, count: count))
  }
}
