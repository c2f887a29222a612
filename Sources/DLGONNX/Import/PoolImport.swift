import DLGGraph

/// `MaxPool`, `AveragePool` and their global forms, on NHWC images like convolutions.
private func pool(_ kind: Pool2D.Kind)
  -> @Sendable (ONNXNode, inout ImportContext) throws(ONNXError) -> Void
{
  { node, context throws(ONNXError) in
    let xName = try node.requiredInput(0)
    let window = try Window2D(
      node, input: try context.shape(xName), kernel: try node.ints("kernel_shape"))
    guard try node.int("ceil_mode", default: 0) == 0 else { throw node.unsupported("ceil_mode 1") }
    try node.expect("storage_order", toBe: 0, "column-major indices")
    guard node.outputs.count < 2 || node.outputs[1].isEmpty else {
      throw node.unsupported("the Indices output")
    }
    guard let padding = window.dlgPadding else {
      throw node.unsupported(
        "padding \(window.paddings.map { [$0.before, $0.after] }) (dlg pools unpadded or `same`)")
    }
    if kind == .average, padding == .same, try node.int("count_include_pad", default: 0) != 0 {
      throw node.unsupported("count_include_pad 1 with padding")
    }
    let x = try context.tensor(xName, layout: channelsLast)
    let y = try context.add(Pool2D(kind, window: window.attributes(padding)), [x])
    try context.define(0, y, layout: channelsLast)
  }
}

private func globalPool(_ kind: Pool2D.Kind)
  -> @Sendable (ONNXNode, inout ImportContext) throws(ONNXError) -> Void
{
  { node, context throws(ONNXError) in
    let xName = try node.requiredInput(0)
    let shape = try context.shape(xName)
    guard shape.count == 4, case .fixed(let h) = shape[2], case .fixed(let w) = shape[3] else {
      throw node.unsupported("an input of shape \(shape) (dlg pools NCHW images)")
    }
    let x = try context.tensor(xName, layout: channelsLast)
    let y = try context.add(Pool2D(kind, window: Conv2DAttributes(kernel: (h, w))), [x])
    try context.define(0, y, layout: channelsLast)
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  ONNXImportRules.register(
    ONNXImportRule(["MaxPool"], limits: "2-D, unpadded or `same`, no Indices", pool(.max)))
  ONNXImportRules.register(
    ONNXImportRule(
      ["AveragePool"], limits: "2-D, unpadded or `same`, count_include_pad 0", pool(.average)))
  ONNXImportRules.register(ONNXImportRule(["GlobalMaxPool"], limits: "2-D", globalPool(.max)))
  ONNXImportRules.register(
    ONNXImportRule(["GlobalAveragePool"], limits: "2-D", globalPool(.average)))
}
