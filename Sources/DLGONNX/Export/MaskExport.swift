import DLGGraph

/// The ops of padded sequences (`Embedding[..., mask_zero: true]` and what reads its mask) and
/// group normalization, as compositions of standard ONNX ops.
extension ExportContext {
  /// A reduction over `axes`: from opset 18 the axes are an input (from 13 for ReduceSum).
  mutating func reduce(_ opType: String, _ x: String, axes: [Int], keepDimensions: Bool) -> String {
    let inputAxes = opType == "ReduceSum" ? opset >= 13 : opset >= 18
    let keep = ["keepdims": keepDimensions ? 1 : 0]
    if inputAxes {
      return addNode(opType, [x, constant("axes", ints: axes)], int: keep)[0]
    }
    return addNode(opType, [x], ints: ["axes": axes], int: keep)[0]
  }

  /// A scalar float constant.
  mutating func scalar(_ base: String, _ value: Float) -> String {
    constant(base, floats: [value], dimensions: [])
  }

  /// 1 where `x` is 0, as a boolean tensor.
  mutating func isZero(_ x: String) -> String {
    addNode("Equal", [x, scalar("zero", 0)])[0]
  }
}

/// dlg masks with −∞; a softmax over a row of only −∞ is NaN in ONNX (dlg gives zeros), so the
/// export hides with a large finite value, which gives the same weights wherever a key is real.
private let hidden: Float = -1e9

@used @section("dlg_registry")
private let registration: Registration = {
  // 1 for a real step (id ≠ 0), 0 for padding.
  ONNXExportRules.register(
    ONNXExportRule(["PaddingMask"]) { node, context throws(ONNXError) in
      let ids = try context.name(node.inputs[0])
      let zero = context.constant("zero_id", ints: [0])
      let real = context.addNode(
        "Not",
        [context.addNode("Equal", [ids, context.addNode("Cast", [zero], int: ["to": 6])[0]])[0]])[0]
      context.define(node.outputs[0], context.addNode("Cast", [real], int: ["to": 1])[0])
    })
  // Scores [N, ..., Tk] where the key's mask [N, Tk] is 0 take the fill.
  ONNXExportRules.register(
    ONNXExportRule(["MaskKeys"]) { node, context throws(ONNXError) in
      let op = node.op as! MaskKeys
      let rank = context.graph[node.inputs[0]].type.rank
      let keys = context.graph[node.inputs[1]].type.dimensions(batch: 1)[1]
      let scores = try context.name(node.inputs[0])
      let mask = context.addNode(
        "Reshape",
        [
          try context.name(node.inputs[1]),
          context.constant(
            "mask_shape", ints: [-1] + Array(repeating: 1, count: rank - 2) + [keys]),
        ])[0]
      let fill = context.scalar("fill", op.fill == -.infinity ? hidden : op.fill)
      let y = context.addNode("Where", [context.isZero(mask), fill, scores])[0]
      context.define(node.outputs[0], y)
    })
  // The mean (or maximum) over the real steps of x [N, T, D]; a sample with none gives zeros.
  ONNXExportRules.register(
    ONNXExportRule(["MaskedSequencePool"]) { node, context throws(ONNXError) in
      let op = node.op as! MaskedSequencePool
      let x = try context.name(node.inputs[0])
      let mask = context.addNode(
        "Unsqueeze", [try context.name(node.inputs[1]), context.constant("axes", ints: [2])])[0]
      let count = context.reduce("ReduceSum", mask, axes: [1], keepDimensions: false)
      let y: String
      if op.max {
        let masked = context.addNode(
          "Where", [context.isZero(mask), context.scalar("hidden", -.infinity), x])[0]
        let largest = context.reduce("ReduceMax", masked, axes: [1], keepDimensions: false)
        y =
          context.addNode("Where", [context.isZero(count), context.scalar("zero", 0), largest])[0]
      } else {
        let sum = context.reduce(
          "ReduceSum", context.addNode("Mul", [x, mask])[0], axes: [1], keepDimensions: false)
        let divisor = context.addNode("Max", [count, context.scalar("one", 1)])[0]
        y = context.addNode("Div", [sum, divisor])[0]
      }
      context.define(node.outputs[0], y)
    })
  // Each sample's group of channels normalized over its positions: x [N, ..., C] as
  // [N, positions, groups, C/groups], its mean and variance over axes 1 and 3.
  ONNXExportRules.register(
    ONNXExportRule(["GroupNorm"]) { node, context throws(ONNXError) in
      let op = node.op as! GroupNorm
      let type = context.graph[node.inputs[0]].type
      let dims = type.dimensions(batch: 1)
      let channels = dims.last!
      let positions = dims.dropFirst().dropLast().reduce(1, *)
      let x = try context.name(node.inputs[0])
      let grouped = context.addNode(
        "Reshape",
        [x, context.constant("groups", ints: [-1, positions, op.groups, channels / op.groups])])[0]
      let mean = context.reduce("ReduceMean", grouped, axes: [1, 3], keepDimensions: true)
      let centered = context.addNode("Sub", [grouped, mean])[0]
      let variance = context.reduce(
        "ReduceMean", context.addNode("Mul", [centered, centered])[0], axes: [1, 3],
        keepDimensions: true)
      let deviation = context.addNode(
        "Sqrt", [context.addNode("Add", [variance, context.scalar("epsilon", op.epsilon)])[0]])[0]
      let normalized = context.addNode(
        "Reshape",
        [
          context.addNode("Div", [centered, deviation])[0],
          context.constant("shape", ints: [-1] + dims.dropFirst()),
        ])[0]
      let scaled = context.addNode("Mul", [normalized, try context.name(node.inputs[1])])[0]
      let y = context.addNode("Add", [scaled, try context.name(node.inputs[2])])[0]
      context.define(node.outputs[0], y)
    })
}
