import DLGGraph

/// Evaluates, once at compile time, every node whose inputs are all known (constants, or no
/// inputs at all), and stores the result as a constant next to the parameters.
struct ConstantFolding: GraphPass {
  var name: String { "constant folding" }
  var purpose: String { "values known before training are computed once, not every step" }
  /// Larger results stay computed at run time: a constant costs memory for the whole run.
  static let maximumElements = 1 << 16

  func run(_ context: inout OptimizationContext) -> [String] {
    var changes: [String] = []
    var nodes: [Node] = []
    for node in context.graph.nodes {
      let allKnown = node.inputs.allSatisfy {
        if case .constant = context.graph[$0].role { return true }
        return false
      }
      let evaluable =
        allKnown && node.op.mutatedInputs.isEmpty && !node.op.dependsOnStep
        && node.outputs.count == 1
        && !context.graph[node.outputs[0]].type.isBatched
        && context.graph[node.outputs[0]].type.elementsPerItem <= Self.maximumElements
      guard evaluable, let data = evaluate(node, in: context.graph) else {
        nodes.append(node)
        continue
      }
      context.graph.makeConstant(node.outputs[0], data)
      changes.append("\(node.name) (\(node.op.name)) is a constant: computed once")
    }
    context.graph.replaceNodes(nodes)
    return changes
  }

  /// Runs one node's kernel on its constant inputs, in buffers owned here.
  private func evaluate(_ node: Node, in graph: Graph) -> [Float]? {
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
    let scratchCount = node.op.scratchCount(inputs: inputDims, outputs: [outputDims])
    let binding = KernelBinding(
      inputs: inputs,
      outputs: [
        TensorBuffer(
          base: UnsafeMutableRawPointer(output), dimensions: outputDims, dtype: outputType.dtype)
      ],
      scratch: scratchCount > 0 ? buffer([], count: scratchCount) : nil)
    node.op.makeKernel(binding)(StepInfo(step: 1, training: false))
    return Array(UnsafeBufferPointer(start: output, count: count))
  }
}
