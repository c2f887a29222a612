import DLGGraph

/// dlg's elementwise ops as ONNX's: each keeps its input's layout, so an activation between
/// two convolutions stays NCHW. Binary ops read their second operand in the first's layout.
private func unary(_ make: @escaping @Sendable (inout ExportContext, String, Node) -> String)
  -> @Sendable (Node, inout ExportContext) throws(ONNXError) -> Void
{
  { node, context throws(ONNXError) in
    let (x, layout) = try context.anyLayout(node.inputs[0])
    context.define(node.outputs[0], make(&context, x, node), layout: layout)
  }
}

private func binary(_ opType: String)
  -> @Sendable (Node, inout ExportContext) throws(ONNXError) -> Void
{
  { node, context throws(ONNXError) in
    let (a, layout) = try context.anyLayout(node.inputs[0])
    let b = try context.name(node.inputs[1], layout: layout)
    context.define(node.outputs[0], context.addNode(opType, [a, b])[0], layout: layout)
  }
}

extension ExportContext {
  /// GELU in its tanh form: ONNX's `Gelu` from opset 20, its formula before.
  mutating func gelu(_ x: String) -> String {
    if opset >= 20 { return addNode("Gelu", [x], strings: ["approximate": "tanh"])[0] }
    // 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³)))
    let cube = addNode("Mul", [addNode("Mul", [x, x])[0], x])[0]
    let inner = addNode(
      "Add",
      [x, addNode("Mul", [cube, constant("gelu_c", floats: [0.044715], dimensions: [])])[0]]
    )[0]
    let scaled = addNode(
      "Mul", [inner, constant("gelu_k", floats: [0.797_884_56], dimensions: [])])[0]
    let gate = addNode(
      "Add", [addNode("Tanh", [scaled])[0], constant("one", floats: [1], dimensions: [])])[0]
    let half = addNode("Mul", [x, constant("half", floats: [0.5], dimensions: [])])[0]
    return addNode("Mul", [half, gate])[0]
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  ONNXExportRules.register(
    ONNXExportRule(["ReLU"], unary { context, x, _ in context.addNode("Relu", [x])[0] }))
  ONNXExportRules.register(
    ONNXExportRule(
      ["SmoothActivation"],
      unary { context, x, node in
        context.addNode((node.op as! SmoothActivation).kind == .sigmoid ? "Sigmoid" : "Tanh", [x])[
          0]
      }))
  ONNXExportRules.register(ONNXExportRule(["GELU"], unary { context, x, _ in context.gelu(x) }))
  ONNXExportRules.register(
    ONNXExportRule(["Exp"], unary { context, x, _ in context.addNode("Exp", [x])[0] }))
  ONNXExportRules.register(
    ONNXExportRule(["Log"], unary { context, x, _ in context.addNode("Log", [x])[0] }))
  ONNXExportRules.register(
    ONNXExportRule(["SquareRoot"], unary { context, x, _ in context.addNode("Sqrt", [x])[0] }))
  ONNXExportRules.register(
    ONNXExportRule(
      ["Scale"],
      unary { context, x, node in
        let factor = context.constant(
          "factor", floats: [(node.op as! Scale).factor], dimensions: [])
        return context.addNode("Mul", [x, factor])[0]
      }))
  // Inference: dropout and noise pass their input through.
  ONNXExportRules.register(
    ONNXExportRule(["Dropout", "GaussianNoise", "PatchDropout"]) {
      node, context throws(ONNXError) in
      let (x, layout) = try context.anyLayout(node.inputs[0])
      context.define(node.outputs[0], x, layout: layout)
    })
  ONNXExportRules.register(ONNXExportRule(["Add"], binary("Add")))
  ONNXExportRules.register(ONNXExportRule(["Subtract"], binary("Sub")))
  ONNXExportRules.register(ONNXExportRule(["Multiply"], binary("Mul")))
  ONNXExportRules.register(ONNXExportRule(["Divide"], binary("Div")))
  ONNXExportRules.register(ONNXExportRule(["Maximum"], binary("Max")))
}
