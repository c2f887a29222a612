/// What a recurrent op computes at each step, with PyTorch's gate layout so weights can be
/// compared with (and moved to and from) `nn.LSTM`, `nn.GRU` and `nn.RNN`.
public enum RecurrentCell: String, Sendable, Hashable, Codable, CaseIterable {
  /// Long short-term memory (Hochreiter & Schmidhuber 1997): gates input, forget, cell
  /// candidate, output (i, f, g, o); `c' = f·c + i·g`, `h' = o·tanh(c')`.
  case lstm
  /// Gated recurrent unit (Cho et al. 2014), PyTorch's "linear before reset" form: gates
  /// reset, update, candidate (r, z, n); `n = tanh(Wx + b + r·(Uh + b'))`,
  /// `h' = (1 − z)·n + z·h`.
  case gru
  /// Elman network: `h' = tanh(Wx + Uh + b)`.
  case tanh
  /// Elman network with ReLU: `h' = max(0, Wx + Uh + b)`.
  case relu

  /// Rows of the weights per unit: four gates, three, or one.
  public var gates: Int {
    switch self {
    case .lstm: 4
    case .gru: 3
    case .tanh, .relu: 1
    }
  }

  /// Values per unit the forward pass keeps for the gradient, besides the hidden states: the
  /// LSTM's activated gates and cell state, the GRU's gates and its hidden projection `Uh + b'`
  /// of the candidate; nothing for an Elman network (its hidden state is enough).
  public var savedPerUnit: Int {
    switch self {
    case .lstm: 5
    case .gru: 4
    case .tanh, .relu: 0
    }
  }

  public var layerName: String {
    switch self {
    case .lstm: "LSTM"
    case .gru: "GRU"
    case .tanh, .relu: "RNN"
    }
  }
}

/// A recurrent layer's whole loop as one op over a fixed number of steps, so every buffer has
/// a static size for the memory planner: `x [N, T, D]` to the hidden state after each step,
/// `[N, T, H]`. The input projection of all steps is one matrix product before the loop; each
/// step adds one `[N, H] × [H, G·H]` product and runs the cell's gates in one pass.
///
/// Inputs: (x, weight_ih `[G·H, D]`, weight_hh `[G·H, H]`, bias_ih `[G·H]`, bias_hh `[G·H]`),
/// then with `masked` a mask `[N, T]` (1 for a real step, 0 for padding, which leaves the
/// state unchanged). Outputs: (hidden `[N, T, H]`, and for LSTM and GRU what the gradient
/// reads, `[N, T, savedPerUnit·H]`). `reverse` runs from the last step to the first, the
/// backward half of a bidirectional layer; its hidden states stay at their steps' positions.
public struct Recurrent: Operator {
  public static let opType = "Recurrent"
  public static let signature = OpSignature(
    inputs: ["x", "weight_ih", "weight_hh", "bias_ih", "bias_hh", "mask"],
    outputs: ["hidden", "saved"])
  public var cell: RecurrentCell
  public var units: Int
  public var reverse: Bool
  public var masked: Bool

  public init(cell: RecurrentCell, units: Int, reverse: Bool = false, masked: Bool = false) {
    self.cell = cell
    self.units = units
    self.reverse = reverse
    self.masked = masked
  }

  public var name: String { cell.layerName }
  public var attributeSummary: String {
    ([
      cell == .relu ? "relu" : nil, "\(units) units", reverse ? "reverse" : nil,
      masked ? "masked" : nil,
    ] as [String?]).compactMap { $0 }.joined(separator: ", ")
  }
  public var fusionClass: FusionClass { .opaque }
  public var family: OpFamily { .other }

  public func validateAttributes() throws(GraphError) {
    try AttributeRules.expect(units, in: 1...1 << 20, "units", op: name)
  }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, masked ? 6 : 5, op: name)
    let x = inputs[0]
    try RecurrentShapes.checkSequence(x, op: name)
    let (batch, steps, features) = (x.shape[0], x.shape[1], x.shape[2])
    let rows = Dimension.fixed(cell.gates * units)
    let expected: [(String, TensorType)] = [
      ("weight_ih", TensorType(.float32, [rows, features])),
      ("weight_hh", TensorType(.float32, [rows, .fixed(units)])),
      ("bias_ih", TensorType(.float32, [rows])), ("bias_hh", TensorType(.float32, [rows])),
    ]
    for (index, (what, type)) in expected.enumerated() where inputs[index + 1] != type {
      throw GraphError(
        "\(name)'s \(what) must be \(type)", notes: ["got: \(inputs[index + 1])"])
    }
    if masked, inputs[5] != TensorType(.float32, [batch, steps]) {
      throw GraphError(
        "\(name)'s mask must have one value per step, [N, \(steps)]",
        notes: ["got: \(inputs[5])"])
    }
    let hidden = TensorType(.float32, [batch, steps, .fixed(units)])
    guard cell.savedPerUnit > 0 else { return [hidden] }
    return [hidden, TensorType(.float32, [batch, steps, .fixed(cell.savedPerUnit * units)])]
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]
  {
    let none = [ValueID?](repeating: nil, count: node.inputs.count)
    guard let dHidden = outputGradients[0] else { return none }
    var inputs = Array(node.inputs[0..<3]) + [node.outputs[0], dHidden]
    if cell.savedPerUnit > 0 { inputs.append(node.outputs[1]) }
    if masked { inputs.append(node.inputs[5]) }
    let gradient = RecurrentGradient(cell: cell, units: units, reverse: reverse, masked: masked)
    let outputs = try builder.graph.apply(
      gradient, inputs, name: "\(builder.namePrefix)/d\(name)", location: builder.location)
    return Array(outputs) + (masked ? [nil] : [])
  }
}

/// The gradients of a `Recurrent` op, backward through time: one `[N, G·H] × [G·H, H]` product
/// per step carries the hidden state's gradient back; the weight gradients and the input's are
/// then one large product each over all steps. Inputs: (x, weight_ih, weight_hh, hidden,
/// dHidden, then saved for LSTM and GRU, then the mask when masked); outputs: (dx, dweight_ih,
/// dweight_hh, dbias_ih, dbias_hh).
public struct RecurrentGradient: NonDifferentiable {
  public static let opType = "RecurrentGradient"
  public static let signature = OpSignature(
    inputs: ["x", "weight_ih", "weight_hh", "hidden", "dHidden", "saved", "mask"],
    outputs: ["dx", "dweight_ih", "dweight_hh", "dbias_ih", "dbias_hh"])
  public var cell: RecurrentCell
  public var units: Int
  public var reverse: Bool
  public var masked: Bool

  public init(cell: RecurrentCell, units: Int, reverse: Bool, masked: Bool) {
    self.cell = cell
    self.units = units
    self.reverse = reverse
    self.masked = masked
  }

  public var fusionClass: FusionClass { .opaque }
  public var family: OpFamily { .other }

  public func validateAttributes() throws(GraphError) {
    try AttributeRules.expect(units, in: 1...1 << 20, "units", op: name)
  }

  public func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType] {
    let count = 5 + (cell.savedPerUnit > 0 ? 1 : 0) + (masked ? 1 : 0)
    try ShapeRules.expectInputCount(inputs, count, op: name)
    try RecurrentShapes.checkSequence(inputs[0], op: name)
    try ShapeRules.expectSameShape(inputs[3], inputs[4], op: name)
    let bias = TensorType(.float32, [inputs[1].shape[0]])
    return [inputs[0], inputs[1], inputs[2], bias, bias]
  }
}

enum RecurrentShapes {
  /// A recurrent op reads a float sequence `[N, T, D]` with a fixed length and width.
  static func checkSequence(_ x: TensorType, op: String) throws(GraphError) {
    guard x.rank == 3, x.dtype == .float32, case .fixed = x.shape[1], case .fixed = x.shape[2]
    else {
      throw GraphError(
        "\(op) reads sequences [N, length, features], got \(x)",
        help: x.rank == 4
          ? "an image is [N, height, width, channels]: Reshape it to [height, width·channels] "
            + "to read its rows as steps" : "put an Embedding or a Reshape before it")
    }
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  OpRegistry.register(Recurrent.self, RecurrentGradient.self)
}
