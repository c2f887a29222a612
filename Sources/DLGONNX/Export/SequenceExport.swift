import DLGGraph
import Foundation

/// Embeddings, recurrent layers and attention masks.
extension ExportContext {
  /// Weight rows regrouped by gate: dlg keeps PyTorch's gate order, ONNX its own.
  func regrouped(_ data: [Float], gates order: [Int], rowsPerGate: Int, width: Int) -> [Float] {
    order.flatMap { gate in data[(gate * rowsPerGate * width)..<((gate + 1) * rowsPerGate * width)]
    }
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  ONNXExportRules.register(
    ONNXExportRule(["EmbeddingLookup"]) { node, context throws(ONNXError) in
      let ids = try context.name(node.inputs[0])
      let table = try context.name(node.inputs[1])
      context.define(node.outputs[0], context.addNode("Gather", [table, ids], int: ["axis": 0])[0])
    })
  // One direction of LSTM, GRU or RNN as ONNX's op of that name (sequence-major, zero
  // initial state). Gates: PyTorch's LSTM (i, f, g, o) is ONNX's (i, o, f, c); GRU (r, z, n)
  // is (z, r, h) with the reset applied after the hidden product (linear_before_reset).
  ONNXExportRules.register(
    ONNXExportRule(["Recurrent"]) { node, context throws(ONNXError) in
      let op = node.op as! Recurrent
      guard !op.masked else { throw context.unsupported("a masked (padded) sequence") }
      let h = op.units
      let features = context.graph[node.inputs[0]].type.dimensions(batch: 1)[2]
      guard let wih = context.weightData(node.inputs[1]),
        let whh = context.weightData(node.inputs[2]),
        let bih = context.weightData(node.inputs[3]), let bhh = context.weightData(node.inputs[4])
      else { throw context.unsupported("recurrent weights computed in the graph") }
      let (opType, order): (String, [Int]) =
        switch op.cell {
        case .lstm: ("LSTM", [0, 3, 1, 2])
        case .gru: ("GRU", [1, 0, 2])
        case .tanh, .relu: ("RNN", [0])
        }
      let g = order.count
      let base = node.name
      let w = context.constant(
        base + "_W", floats: context.regrouped(wih, gates: order, rowsPerGate: h, width: features),
        dimensions: [1, g * h, features])
      let r = context.constant(
        base + "_R", floats: context.regrouped(whh, gates: order, rowsPerGate: h, width: h),
        dimensions: [1, g * h, h])
      let b = context.constant(
        base + "_B",
        floats: context.regrouped(bih, gates: order, rowsPerGate: h, width: 1)
          + context.regrouped(bhh, gates: order, rowsPerGate: h, width: 1),
        dimensions: [1, 2 * g * h])
      let x = try context.name(node.inputs[0], layout: [1, 0, 2])
      var ints: [String: Int] = ["hidden_size": h]
      if op.cell == .gru { ints["linear_before_reset"] = 1 }
      let y = context.addNode(
        opType, [x, w, r, b], int: ints,
        strings: ["direction": op.reverse ? "reverse" : "forward"])[0]
      // `activations` is a list of strings, which addNode does not write: set it here.
      let index = context.producers[y]!
      if op.cell == .relu {
        var activations = ONNXAttributeProto()
        activations.name = "activations"
        activations.type = .strings
        activations.strings = [Data("Relu".utf8)]
        context.nodes[index].attribute.append(activations)
      }
      // Y is [T, directions, N, H]: drop the directions axis; the result is dlg's [N, T, H]
      // read sequence-major.
      let squeezed = context.addNode("Squeeze", [y, context.constant("axes", ints: [1])])[0]
      context.define(node.outputs[0], squeezed, layout: [1, 0, 2])
    })
  ONNXExportRules.register(
    ONNXExportRule(["CausalMask"]) { node, context throws(ONNXError) in
      let op = node.op as! CausalMask
      let type = context.graph[node.inputs[0]].type
      let t = type.dimensions(batch: 1).last!
      var mask = [Float](repeating: 0, count: t * t)
      for query in 0..<t {
        for key in (query + 1)..<max(t, query + 1) { mask[query * t + key] = op.fill }
      }
      let (x, layout) = try context.anyLayout(node.inputs[0])
      let r = layout.count
      let scores = layout.suffix(2) == [r - 2, r - 1] ? x : try context.name(node.inputs[0])
      let kept = layout.suffix(2) == [r - 2, r - 1] ? layout : context.identity(node.inputs[0])
      let y = context.addNode(
        "Add", [scores, context.constant("causal_mask", floats: mask, dimensions: [t, t])])[0]
      context.define(node.outputs[0], y, layout: kept)
    })
}
