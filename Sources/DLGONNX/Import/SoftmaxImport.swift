import DLGGraph

/// `Softmax` and `LogSoftmax`. From opset 13 they normalize one axis, which dlg's softmax does
/// when that axis is last (the tensor is read in an order that puts it there); before 13 they
/// normalize everything from `axis` on, as one flattened row.
private func softmax(log: Bool)
  -> @Sendable (ONNXNode, inout ImportContext) throws(ONNXError) -> Void
{
  { node, context throws(ONNXError) in
    let name = try node.requiredInput(0)
    let shape = try context.shape(name)
    let rank = shape.count
    var axis = try node.int("axis", default: node.opset >= 13 ? -1 : 1)
    if axis < 0 { axis += rank }
    guard axis >= 0 && axis < rank else {
      throw ONNXError("\(node.label): axis \(axis) is outside rank \(rank)")
    }
    func finish(_ y: ValueID) throws(ONNXError) -> ValueID {
      log ? try context.add(Log(), [y], "log") : y
    }
    if node.opset < 13 && axis != rank - 1 {
      let x = try context.tensor(name)
      let outer = shape[..<axis]
      let head: [Dimension] =
        outer.isEmpty
        ? []
        : [
          outer.contains(.batch) && outer.count == 1
            ? .batch : .fixed(outer.reduce(1) { $0 * $1.resolved(batch: 1) })
        ]
      let rows = try context.add(
        Reshape(head + [.fixed(shape[axis...].reduce(1) { $0 * $1.resolved(batch: 1) })]),
        [x], "rows")
      let y = try finish(try context.add(Softmax(), [rows]))
      return try context.define(0, try context.add(Reshape(shape), [y], "shape"))
    }
    var layout = try context.layout(of: name)
    if layout.last != axis { layout = (0..<rank).filter { $0 != axis } + [axis] }
    let x = try context.tensor(name, layout: layout)
    try context.define(0, try finish(try context.add(Softmax(), [x])), layout: layout)
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  ONNXImportRules.register(ONNXImportRule(["Softmax"], softmax(log: false)))
  ONNXImportRules.register(ONNXImportRule(["LogSoftmax"], softmax(log: true)))
}
