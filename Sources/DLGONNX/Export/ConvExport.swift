import DLGGraph

/// dlg's NHWC as ONNX's NCHW: ONNX axes (N, C, H, W) are dlg axes (0, 3, 1, 2).
let channelsFirst = [0, 3, 1, 2]

extension ExportContext {
  /// ONNX's `pads` (begins, then ends) for a dlg window over an NHWC input.
  func pads(_ window: Conv2DAttributes, input: ValueID) -> [Int] {
    let dims = graph[input].type.dimensions(batch: 1)
    let h = window.totalPadding(
      input: dims[1], kernel: window.kernelHeight, stride: window.strideHeight)
    let w = window.totalPadding(
      input: dims[2], kernel: window.kernelWidth, stride: window.strideWidth)
    // dlg puts the odd pixel of `same` padding at the end, as TensorFlow and SAME_UPPER do.
    return [h / 2, w / 2, h - h / 2, w - w / 2]
  }

  func windowAttributes(_ window: Conv2DAttributes, input: ValueID) -> [String: [Int]] {
    [
      "kernel_shape": [window.kernelHeight, window.kernelWidth],
      "strides": [window.strideHeight, window.strideWidth],
      "pads": pads(window, input: input),
    ]
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  ONNXExportRules.register(
    ONNXExportRule(["Conv2D"]) { node, context throws(ONNXError) in
      let op = node.op as! Conv2D
      let x = try context.name(node.inputs[0], layout: channelsFirst)
      // HWIO filter as ONNX's OIHW.
      let w = try context.name(node.inputs[1], layout: [3, 2, 0, 1])
      let y = context.addNode(
        "Conv", [x, w], ints: context.windowAttributes(op.attributes, input: node.inputs[0]))[0]
      context.define(node.outputs[0], y, layout: channelsFirst)
    })
  ONNXExportRules.register(
    ONNXExportRule(["Pool2D"]) { node, context throws(ONNXError) in
      let op = node.op as! Pool2D
      let x = try context.name(node.inputs[0], layout: channelsFirst)
      let y = context.addNode(
        op.kind == .max ? "MaxPool" : "AveragePool", [x],
        ints: context.windowAttributes(op.window, input: node.inputs[0]))[0]
      context.define(node.outputs[0], y, layout: channelsFirst)
    })
  ONNXExportRules.register(
    ONNXExportRule(["BiasAdd"]) { node, context throws(ONNXError) in
      let (x, bias) = (node.inputs[0], node.inputs[1])
      let (source, layout) = try context.anyLayout(x)
      // A convolution's bias goes into the Conv itself when nothing else reads its output.
      if layout == channelsFirst, context.readers[x]?.count == 1,
        let producer = context.graph[x].producer, context.graph.nodes[producer].op is Conv2D,
        let conv = context.producerOp(of: source), conv.opType == "Conv", conv.input.count == 2
      {
        let b = try context.name(bias)
        _ = context.appendInput(b, toProducerOf: source)
        context.define(node.outputs[0], source, layout: layout)
        return
      }
      // Otherwise an Add, the bias shaped to broadcast along dlg's last axis wherever the
      // layout put it.
      let b = context.channelVector(try context.name(bias), layout: layout)
      let y = context.addNode("Add", [source, b])[0]
      context.define(node.outputs[0], y, layout: layout)
    })
}
