import DLGGraph

/// dlg's matrix products as ONNX `MatMul`, operands transposed where dlg's flags say (a weight
/// is transposed while exporting, so a Dense layer is one MatMul on its weight).
extension ExportContext {
  /// `value` with its last two axes swapped when `transposed`.
  mutating func matrix(_ value: ValueID, transposed: Bool) throws(ONNXError) -> String {
    let rank = graph[value].type.rank
    guard transposed else { return try name(value) }
    return try name(value, layout: Array(0..<(rank - 2)) + [rank - 1, rank - 2])
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  ONNXExportRules.register(
    ONNXExportRule(["MatMul", "BatchedMatMul"]) { node, context throws(ONNXError) in
      let (transposeA, transposeB) =
        if let op = node.op as? MatMul { (op.transposeA, op.transposeB) } else {
          ((node.op as! BatchedMatMul).transposeA, (node.op as! BatchedMatMul).transposeB)
        }
      if node.op is MatMul, transposeA, context.graph[node.inputs[0]].type.rank > 2 {
        throw context.unsupported("a product summed over rows (a gradient)")
      }
      let a = try context.matrix(node.inputs[0], transposed: transposeA)
      let b = try context.matrix(node.inputs[1], transposed: transposeB)
      context.define(node.outputs[0], context.addNode("MatMul", [a, b])[0])
    })
}
