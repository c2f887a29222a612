import DLGGraph

/// ONNX's two-input arithmetic with NumPy broadcasting. Against a batch of any size, a bias
/// (a vector along the last axis, or one number) is a `BiasAdd` and a single factor a `Scale`;
/// otherwise both operands are brought to the output's shape.
private func binary(_ op: any Operator, subtracts: Bool = false, divides: Bool = false)
  -> @Sendable (ONNXNode, inout ImportContext) throws(ONNXError) -> Void
{
  { node, context throws(ONNXError) in
    let (a, b) = (try node.requiredInput(0), try node.requiredInput(1))
    try context.refuseIntegerConstants(node)
    let shape = try context.broadcastShape(try context.shape(a), try context.shape(b))
    // x + bias, x - bias: the bias as a BiasAdd along the tensor's last dlg axis.
    if op is Add || subtracts, !context.isConstant(a), try context.shape(a).count == shape.count {
      let layout = try context.layout(of: a)
      if let bias = context.biasVector(b, shape: shape, layout: layout) {
        let x = try context.tensor(a, layout: layout)
        let vector = try context.parameter(
          named: "bias", dimensions: [bias.count], floats: subtracts ? bias.map { -$0 } : bias)
        try context.define(0, try context.add(BiasAdd(), [x, vector]), layout: layout)
        return
      }
    }
    if op is Add, context.isConstant(a), !context.isConstant(b),
      try context.shape(b).count == shape.count
    {
      let layout = try context.layout(of: b)
      if let bias = context.biasVector(a, shape: shape, layout: layout) {
        let x = try context.tensor(b, layout: layout)
        let vector = try context.parameter(named: "bias", dimensions: [bias.count], floats: bias)
        try context.define(0, try context.add(BiasAdd(), [x, vector]), layout: layout)
        return
      }
    }
    // scores + mask, the mask hiding every key after its query: a causal attention mask.
    if op is Add, let (x, fill) = try context.causalMask(a, b) {
      let (value, layout) = try context.tensorAnyLayout(x)
      let r = layout.count
      if layout.suffix(2) == [r - 2, r - 1] {
        try context.define(0, try context.add(CausalMask(fill: fill), [value]), layout: layout)
      } else {
        try context.define(0, try context.add(CausalMask(fill: fill), [try context.tensor(x)]))
      }
      return
    }
    // x * c, x / c for one number c.
    if op is Multiply || divides, !context.isConstant(a), context.isConstant(b),
      try context.shape(a).count == shape.count
    {
      let factor = try context.constant(b, "factor")
      if factor.count == 1 {
        let (x, layout) = try context.tensorAnyLayout(a)
        let scale = divides ? 1 / factor.floats[0] : factor.floats[0]
        try context.define(0, try context.add(Scale(scale), [x]), layout: layout)
        return
      }
    }
    let (operands, layout) = try context.broadcastOperands([a, b])
    try context.define(0, try context.add(op, operands), layout: layout)
  }
}

extension ImportContext {
  /// When one of `a`, `b` is a constant `[T, T]` matrix (leading axes of 1 allowed) that is 0
  /// on and below the diagonal and one very negative value above it, and the other a tensor of
  /// that trailing shape: the tensor and the fill.
  func causalMask(_ a: String, _ b: String) throws(ONNXError) -> (String, Float)? {
    for (x, m) in [(a, b), (b, a)] {
      guard !isConstant(x), case .constant(let mask) = entries[m], mask.kind == .float,
        let t = mask.dimensions.last, t > 1, mask.dimensions.dropLast().last == t,
        mask.dimensions.dropLast(2).allSatisfy({ $0 == 1 })
      else { continue }
      let shape = try self.shape(x)
      guard shape.count >= 2, mask.dimensions.count <= shape.count,
        shape.suffix(2) == [.fixed(t), .fixed(t)]
      else { continue }
      let fill = mask.floats[1]
      guard fill <= -1e9 else { continue }
      var causal = true
      for query in 0..<t where causal {
        for key in 0..<t where mask.floats[query * t + key] != (key > query ? fill : 0) {
          causal = false
          break
        }
      }
      if causal { return (x, fill) }
    }
    return nil
  }

  /// Arithmetic on integer data is integer arithmetic (truncating division), which dlg's float
  /// ops would get wrong: refuse it rather than answer differently.
  func refuseIntegerConstants(_ node: ONNXNode) throws(ONNXError) {
    for name in node.inputs where !name.isEmpty {
      if case .constant(let data) = entries[name], data.kind != .float {
        throw node.unsupported("integer arithmetic (dlg computes in float32)")
      }
    }
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  ONNXImportRules.register(ONNXImportRule(["Add"], binary(Add())))
  ONNXImportRules.register(ONNXImportRule(["Sub"], binary(Subtract(), subtracts: true)))
  ONNXImportRules.register(ONNXImportRule(["Mul"], binary(Multiply())))
  ONNXImportRules.register(ONNXImportRule(["Div"], binary(Divide(), divides: true)))
  ONNXImportRules.register(
    ONNXImportRule(["Max"]) { node, context throws(ONNXError) in
      try context.refuseIntegerConstants(node)
      let names = node.inputs.filter { !$0.isEmpty }
      guard let first = names.first else { throw ONNXError("\(node.label) has no inputs") }
      guard names.count > 1 else {
        let (x, layout) = try context.tensorAnyLayout(first)
        return try context.define(0, x, layout: layout)
      }
      // Several inputs: a chain of two-input maxima over the broadcast operands.
      let (operands, layout) = try context.broadcastOperands(names)
      var y = operands[0]
      for operand in operands.dropFirst() { y = try context.add(Maximum(), [y, operand]) }
      try context.define(0, y, layout: layout)
    })
  ONNXImportRules.register(
    ONNXImportRule(["Greater"], limits: "float operands") { node, context throws(ONNXError) in
      try context.refuseIntegerConstants(node)
      let (operands, layout) = try context.broadcastOperands(node.inputs)
      try context.define(0, try context.add(Greater(), operands), layout: layout)
    })
  ONNXImportRules.register(
    ONNXImportRule(["Where"]) { node, context throws(ONNXError) in
      let (operands, layout) = try context.broadcastOperands(node.inputs)
      try context.define(0, try context.add(Select(), operands), layout: layout)
    })
}
