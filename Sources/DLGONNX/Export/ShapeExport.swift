import DLGGraph

/// Reshapes and reorderings. A Transpose writes nothing: the same ONNX tensor is read in
/// another order, and a Transpose node appears only where a later op needs that order.
@used @section("dlg_registry")
private let registration: Registration = {
  ONNXExportRules.register(
    ONNXExportRule(["Reshape"]) { node, context throws(ONNXError) in
      let op = node.op as! Reshape
      let x = try context.name(node.inputs[0])
      let shape = op.shape.map { dim -> Int in
        if case .fixed(let n) = dim { return n }
        return -1
      }
      let y = context.addNode("Reshape", [x, context.constant("shape", ints: shape)])[0]
      context.define(node.outputs[0], y)
    })
  ONNXExportRules.register(
    ONNXExportRule(["Transpose"]) { node, context throws(ONNXError) in
      // dlg axis i of the output is axis perm[i] of the input; an existing ONNX tensor whose
      // axis j is input axis L[j] is, read unchanged, the output with axis j = inverse[L[j]].
      let perm = (node.op as! Transpose).permutation
      let (x, layout) = try context.anyLayout(node.inputs[0])
      let inverse = Transpose(perm).inverse.permutation
      context.define(node.outputs[0], x, layout: layout.map { inverse[$0] })
    })
  ONNXExportRules.register(
    ONNXExportRule(["Concat"]) { node, context throws(ONNXError) in
      let op = node.op as! Concat
      let rank = context.graph[node.inputs[0]].type.rank
      let axis = op.axis < 0 ? op.axis + rank : op.axis
      let (first, layout) = try context.anyLayout(node.inputs[0])
      var names = [first]
      for input in node.inputs.dropFirst() { names.append(try context.name(input, layout: layout)) }
      let y = context.addNode("Concat", names, int: ["axis": layout.firstIndex(of: axis)!])[0]
      context.define(node.outputs[0], y, layout: layout)
    })
  ONNXExportRules.register(
    ONNXExportRule(["Slice"]) { node, context throws(ONNXError) in
      let op = node.op as! Slice
      let rank = context.graph[node.inputs[0]].type.rank
      let axis = op.axis < 0 ? op.axis + rank : op.axis
      let (x, layout) = try context.anyLayout(node.inputs[0])
      let y = context.addNode(
        "Slice",
        [
          x, context.constant("starts", ints: [op.offset]),
          context.constant("ends", ints: [op.offset + op.width]),
          context.constant("axes", ints: [layout.firstIndex(of: axis)!]),
        ])[0]
      context.define(node.outputs[0], y, layout: layout)
    })
}
