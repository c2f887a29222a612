import DLGGraph

/// ONNX's one-input elementwise ops: each keeps its input's axis order, so an activation
/// between two convolutions costs no transpose.
private func unary(_ make: @escaping @Sendable (ONNXNode) throws(ONNXError) -> (any Operator)?)
  -> @Sendable (ONNXNode, inout ImportContext) throws(ONNXError) -> Void
{
  { node, context throws(ONNXError) in
    let (x, layout) = try context.tensorAnyLayout(try node.requiredInput(0))
    guard let op = try make(node) else {
      try context.define(0, x, layout: layout)
      return
    }
    try context.define(0, try context.add(op, [x]), layout: layout)
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  ONNXImportRules.register(ONNXImportRule(["Relu"], unary { _ in ReLU() }))
  ONNXImportRules.register(ONNXImportRule(["Sigmoid"], unary { _ in SmoothActivation(.sigmoid) }))
  ONNXImportRules.register(ONNXImportRule(["Tanh"], unary { _ in SmoothActivation(.tanh) }))
  ONNXImportRules.register(ONNXImportRule(["Exp"], unary { _ in Exp() }))
  ONNXImportRules.register(ONNXImportRule(["Log"], unary { _ in Log() }))
  ONNXImportRules.register(ONNXImportRule(["Sqrt"], unary { _ in SquareRoot() }))
  ONNXImportRules.register(ONNXImportRule(["Neg"], unary { _ in Scale(-1) }))
  ONNXImportRules.register(ONNXImportRule(["Identity"], unary { _ in nil }))
  ONNXImportRules.register(
    ONNXImportRule(["Dropout"], limits: "inference only (training_mode false)") {
      node, context throws(ONNXError) in
      // Inference: the input passes unchanged; a mask output, if asked for, is not supported.
      if let training = node.input(2) {
        let flag = try context.constant(training, "training_mode")
        guard flag.floats.allSatisfy({ $0 == 0 }) else {
          throw node.unsupported("training_mode true")
        }
      }
      guard node.outputs.count < 2 || node.outputs[1].isEmpty else {
        throw node.unsupported("the mask output")
      }
      let (x, layout) = try context.tensorAnyLayout(try node.requiredInput(0))
      try context.define(0, x, layout: layout)
    })
  ONNXImportRules.register(
    ONNXImportRule(
      ["Gelu"], limits: "approximate \"tanh\" (dlg's GELU is the tanh form)",
      unary { node throws(ONNXError) in
        guard node.string("approximate", default: "none") == "tanh" else {
          throw node.unsupported(
            "the exact (erf) GELU",
            help: "dlg computes GELU in its tanh form (approximate=\"tanh\")")
        }
        return GELU()
      }))
}
