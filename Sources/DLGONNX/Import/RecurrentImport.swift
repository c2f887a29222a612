import DLGGraph

/// ONNX's `LSTM`, `GRU` and `RNN` as dlg's recurrent op: one direction (or both, as two ops),
/// zero initial state, the default activations, no peepholes, clipping or sequence lengths.
/// Gates are reordered to PyTorch's order, which dlg keeps: ONNX's LSTM (i, o, f, c) is
/// (i, f, g, o), its GRU (z, r, h) is (r, z, n), and a GRU must apply the reset after the
/// hidden product (`linear_before_reset`), as PyTorch's does.
private func recurrent(_ cell: RecurrentCell?)
  -> @Sendable (ONNXNode, inout ImportContext) throws(ONNXError) -> Void
{
  { node, context throws(ONNXError) in
    let hidden = try node.int("hidden_size", default: 0)
    guard hidden > 0 && hidden <= 1 << 16 else {
      throw ONNXError("\(node.label): hidden_size \(hidden) is not a size dlg runs")
    }
    let direction = node.string("direction", default: "forward")
    guard ["forward", "reverse", "bidirectional"].contains(direction) else {
      throw ONNXError("\(node.label): unknown direction \"\(direction)\"")
    }
    guard node.attribute("clip") == nil else { throw node.unsupported("clip") }
    if node.opType == "LSTM" {
      try node.expect("input_forget", toBe: 0, "coupled input and forget gates")
    }
    // ONNX's default applies the reset before the hidden product; dlg's GRU (PyTorch's,
    // which exports linear_before_reset 1) applies it after.
    if node.opType == "GRU", try node.int("linear_before_reset", default: 0) != 1 {
      throw node.unsupported("a GRU resetting before its hidden product (linear_before_reset 0)")
    }
    // Inputs: X, W, R, B, sequence_lens, initial_h (, initial_c, P for LSTM).
    for (index, what) in [
      (4, "sequence lengths"), (5, "an initial state"), (6, "an initial cell state"),
      (7, "peepholes"),
    ]
    where node.input(index) != nil {
      throw node.unsupported(what)
    }
    let cellType: RecurrentCell
    switch node.opType {
    case "LSTM": cellType = .lstm
    case "GRU": cellType = .gru
    default:
      let activations =
        node.attribute("activations")?.strings.map {
          String(decoding: $0, as: UTF8.self)
        } ?? ["Tanh"]
      guard let first = activations.first, activations.allSatisfy({ $0 == first }),
        ["Tanh", "Relu"].contains(first)
      else { throw node.unsupported("activations \(activations)") }
      cellType = activations.first == "Relu" ? .relu : .tanh
    }
    if cellType != .tanh && cellType != .relu, node.attribute("activations") != nil {
      throw node.unsupported("activations other than the defaults")
    }
    let layoutAttribute = try node.int("layout", default: 0)
    let xName = try node.requiredInput(0)
    let xShape = try context.shape(xName)
    guard xShape.count == 3 else {
      throw ONNXError("\(node.label): X should be rank 3, got \(xShape)")
    }
    // dlg reads [N, T, D]: ONNX's X is [T, N, D] (layout 0) or [N, T, D] (layout 1).
    let x = try context.tensor(xName, layout: layoutAttribute == 0 ? [1, 0, 2] : [0, 1, 2])
    let features = context.graph[x].type.shape[2].resolved(batch: 1)
    let w = try context.constant(try node.requiredInput(1), "W")
    let r = try context.constant(try node.requiredInput(2), "R")
    let directions = direction == "bidirectional" ? 2 : 1
    let gates = cellType.gates
    let rows = gates * hidden
    guard w.dimensions == [directions, rows, features], r.dimensions == [directions, rows, hidden]
    else {
      throw ONNXError(
        "\(node.label): W \(w.dimensions) and R \(r.dimensions) do not fit \(directions) "
          + "direction(s) of \(gates) gates × \(hidden) units over \(features) features")
    }
    let b = try node.input(3).map { (name: String) throws(ONNXError) in
      try context.constant(name, "B")
    }
    if let b, b.dimensions != [directions, 2 * rows] {
      throw ONNXError("\(node.label): B \(b.dimensions) should be [\(directions), \(2 * rows)]")
    }
    // ONNX gate blocks, in the order dlg (PyTorch) keeps them.
    let order: [Int] =
      switch cellType {
      case .lstm: [0, 2, 3, 1]
      case .gru: [1, 0, 2]
      case .tanh, .relu: [0]
      }
    func regroup(_ values: ArraySlice<Float>, width: Int) -> [Float] {
      let base = values.startIndex
      return order.flatMap { gate in
        values[(base + gate * hidden * width)..<(base + (gate + 1) * hidden * width)]
      }
    }
    var hiddenStates: [ValueID] = []
    for d in 0..<directions {
      let wd = regroup(
        w.floats[(d * rows * features)..<((d + 1) * rows * features)], width: features)
      let rd = regroup(r.floats[(d * rows * hidden)..<((d + 1) * rows * hidden)], width: hidden)
      let bias =
        b.map { Array($0.floats[(d * 2 * rows)..<((d + 1) * 2 * rows)]) }
        ?? Array(repeating: 0, count: 2 * rows)
      let bih = regroup(bias[0..<rows], width: 1)
      let bhh = regroup(bias[rows..<(2 * rows)], width: 1)
      let reverse = direction == "reverse" || d == 1
      let suffix = "d\(d)"
      let weights = [
        try context.parameter(
          named: "\(suffix).weight_ih", dimensions: [rows, features], floats: wd),
        try context.parameter(
          named: "\(suffix).weight_hh", dimensions: [rows, hidden], floats: rd),
        try context.parameter(named: "\(suffix).bias_ih", dimensions: [rows], floats: bih),
        try context.parameter(named: "\(suffix).bias_hh", dimensions: [rows], floats: bhh),
      ]
      let op = Recurrent(cell: cellType, units: hidden, reverse: reverse)
      hiddenStates.append(try context.add(op, [x] + weights, suffix))
    }
    // Y: [T, directions, N, H] (layout 0) or [N, T, directions, H] (layout 1), from dlg's
    // [N, T, H] per direction stacked as [N, T, directions, H].
    let steps = context.graph[x].type.shape[1]
    let batch = context.graph[x].type.shape[0]
    let stacked = try hiddenStates.enumerated().map {
      (index: Int, value: ValueID) throws(ONNXError) -> ValueID in
      try context.add(Reshape([batch, steps, .fixed(1), .fixed(hidden)]), [value], "Y\(index)")
    }
    let y = stacked.count == 1 ? stacked[0] : try context.add(Concat(axis: 2), stacked, "Y")
    try context.define(0, y, layout: layoutAttribute == 0 ? [2, 0, 1, 3] : [0, 1, 2, 3])
    // Y_h: the state after each direction's last step, [directions, N, H] (layout 0).
    guard node.outputs.count > 1, !node.outputs[1].isEmpty else { return }
    guard case .fixed(let t) = steps else { throw node.unsupported("a batch of sequence lengths") }
    var finals: [ValueID] = []
    for (d, value) in stacked.enumerated() {
      let reverse = direction == "reverse" || d == 1
      let last = try context.add(
        Slice(axis: 1, offset: reverse ? 0 : t - 1, width: 1), [value], "Yh\(d)")
      finals.append(
        try context.add(Reshape([batch, .fixed(1), .fixed(hidden)]), [last], "Yh\(d)/shape"))
    }
    let yh = finals.count == 1 ? finals[0] : try context.add(Concat(axis: 1), finals, "Yh")
    try context.define(1, yh, layout: layoutAttribute == 0 ? [1, 0, 2] : [0, 1, 2])
    guard node.outputs.count < 3 || node.outputs[2].isEmpty else {
      throw node.unsupported("the cell state output Y_c")
    }
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  let limits =
    "zero initial state, no sequence_lens, clip or peepholes; GRU with linear_before_reset 1"
  ONNXImportRules.register(ONNXImportRule(["LSTM"], limits: limits, recurrent(.lstm)))
  ONNXImportRules.register(ONNXImportRule(["GRU"], limits: limits, recurrent(.gru)))
  ONNXImportRules.register(ONNXImportRule(["RNN"], limits: limits, recurrent(nil)))
}
