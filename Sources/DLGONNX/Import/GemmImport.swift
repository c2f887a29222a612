import DLGGraph

/// `Gemm` (Y = α·A'·B' + β·C, what PyTorch's `Linear` exports) and `MatMul` (NumPy's matrix
/// product: one operand of rank 2, or both of one rank with equal leading axes).
@used @section("dlg_registry")
private let registration: Registration = {
  ONNXImportRules.register(
    ONNXImportRule(["Gemm"]) { node, context throws(ONNXError) in
      let alpha = try node.float("alpha", default: 1)
      let beta = try node.float("beta", default: 1)
      let transA = try node.int("transA", default: 0) != 0
      let transB = try node.int("transB", default: 0) != 0
      let aName = try node.requiredInput(0)
      guard try context.shape(aName).count == 2, try context.shape(node.requiredInput(1)).count == 2
      else { throw ONNXError("\(node.label): Gemm multiplies matrices (rank 2)") }
      let a = try context.tensor(aName)
      // A weight (PyTorch's Linear exports [out, in] with transB) is transposed once, here, so
      // the product streams it as dlg's Dense does.
      let bName = try node.requiredInput(1)
      let weight = context.isConstant(bName) && transB
      let b = try context.tensor(bName, layout: weight ? [1, 0] : [0, 1])
      var y = try context.add(
        MatMul(transposeA: transA, transposeB: transB && !weight), [a, b])
      if alpha != 1 { y = try context.add(Scale(alpha), [y], "alpha") }
      guard let c = node.input(2), beta != 0 else { return try context.define(0, y) }
      let shape = context.graph[y].type.shape
      if let bias = context.biasVector(c, shape: shape, layout: [0, 1]) {
        let vector = try context.parameter(
          named: "bias", dimensions: [bias.count], floats: bias.map { $0 * beta })
        return try context.define(0, try context.add(BiasAdd(), [y, vector]))
      }
      var cValue = try context.operand(c, shape: shape, layout: [0, 1])
      if beta != 1 { cValue = try context.add(Scale(beta), [cValue], "beta") }
      try context.define(0, try context.add(Add(), [y, cValue], "C"))
    })
  ONNXImportRules.register(
    ONNXImportRule(
      ["MatMul"], limits: "leading axes equal (no broadcasting of stacked matrices)"
    ) { node, context throws(ONNXError) in
      let (aName, bName) = (try node.requiredInput(0), try node.requiredInput(1))
      var (aShape, bShape) = (try context.shape(aName), try context.shape(bName))
      guard !aShape.isEmpty, !bShape.isEmpty else {
        throw ONNXError("\(node.label): MatMul needs operands of rank 1 or more")
      }
      var a = try context.tensor(aName)
      var b = try context.tensor(bName)
      // A vector operand is a one-row (or one-column) matrix, dropped from the result after.
      let (aVector, bVector) = (aShape.count == 1, bShape.count == 1)
      if aVector {
        aShape = [.fixed(1)] + aShape
        a = try context.add(Reshape(aShape), [a], "row")
      }
      if bVector {
        bShape = bShape + [.fixed(1)]
        b = try context.add(Reshape(bShape), [b], "column")
      }
      var y: ValueID
      if bShape.count == 2 {
        y = try context.add(MatMul(), [a, b])
      } else if aShape.count == bShape.count, aShape.dropLast(2) == bShape.dropLast(2) {
        y = try context.add(BatchedMatMul(), [a, b])
      } else if aShape.count == 2 {
        // A matrix times a stack: transposed, it is the stack times the matrix.
        let r = bShape.count
        let swap = Array(0..<(r - 2)) + [r - 1, r - 2]
        let bt = try context.add(Transpose(swap), [b], "bT")
        let at = try context.add(Transpose([1, 0]), [a], "aT")
        y = try context.add(Transpose(swap), [try context.add(MatMul(), [bt, at])], "yT")
      } else {
        throw node.unsupported(
          "a product of stacks \(aShape) and \(bShape) whose leading axes differ")
      }
      var shape = context.graph[y].type.shape
      if aVector { shape.remove(at: shape.count - 2) }
      if bVector { shape.removeLast() }
      if aVector || bVector { y = try context.add(Reshape(shape), [y], "squeeze") }
      try context.define(0, y)
    })
}
