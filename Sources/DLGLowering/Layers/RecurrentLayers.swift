import DLGGraph

extension LayerCatalog {
  /// `LSTM[units, return_sequences: false, bidirectional: false]`, `GRU[...]` and
  /// `RNN[units, activation: tanh, ...]`: a recurrent layer over `[N, T, D]`, giving the hidden
  /// state of every step `[N, T, H]` with `return_sequences: true`, else the state after the
  /// last step `[N, H]`. `bidirectional: true` (or `Bidirectional[LSTM[...]]`) adds a second
  /// loop from the last step to the first and joins the two on the last axis (`2·H`). Weights
  /// follow PyTorch: `weight_ih [G·H, D]`, `weight_hh [G·H, H]`, `bias_ih`, `bias_hh`
  /// (`_reverse` for the backward loop), initialized U(−1/√H, 1/√H) as PyTorch does.
  static func recurrent(_ name: String, cell: RecurrentCell?) -> LayerSpec {
    var parameters = [
      ParameterSpec("units", .integer),
      ParameterSpec(
        "return_sequences", .choice(["true", "false"]), default: .name("false"),
        positional: false),
      ParameterSpec(
        "bidirectional", .choice(["true", "false"]), default: .name("false"), positional: false),
    ]
    if cell == nil {
      parameters.append(
        ParameterSpec(
          "activation", .choice(["tanh", "relu"]), default: .name("tanh"), positional: false))
    }
    return LayerSpec(
      name: name, aliases: name == "RNN" ? ["SimpleRNN"] : [], parameters: parameters,
      family: .other,
      lowering: { arguments, inputs, context throws(GraphError) in
        let cell = cell ?? (arguments.name("activation") == "relu" ? .relu : .tanh)
        return try lowerRecurrent(
          cell, name: name, units: arguments.integer("units"),
          returnSequences: arguments.name("return_sequences") == "true",
          bidirectional: arguments.name("bidirectional") == "true", input: inputs[0], &context)
      })
  }

  /// `Bidirectional[LSTM[64]]`: Keras's wrapper, unwrapped to `LSTM[64, bidirectional: true]`
  /// before lowering (`LayerWrappers`); the entry is here so the name is known to
  /// suggestions and editors.
  static let bidirectional = LayerSpec(
    name: "Bidirectional", inputArity: 1...1, family: .other, lowering: nil)

  static let lstm = recurrent("LSTM", cell: .lstm)
  static let gru = recurrent("GRU", cell: .gru)
  static let rnn = recurrent("RNN", cell: nil)

  /// What to do about an input that is not a sequence.
  static func help(forInput type: TensorType) -> String {
    if type.dtype == .int32 { return "word or character ids need an Embedding first" }
    switch type.rank {
    case 2:
      return "this input has no steps: a recurrent layer before it needs "
        + "`return_sequences: true` to pass on every step"
    case 4:
      return "this is an image [N, height, width, channels]: Reshape[height, width·channels] "
        + "reads its rows as steps, or use Conv2D"
    default: return "put an Embedding or a Reshape before it"
    }
  }

  static func lowerRecurrent(
    _ cell: RecurrentCell, name: String, units: Int, returnSequences: Bool, bidirectional: Bool,
    input x: ValueID, _ context: inout LayerLoweringContext
  ) throws(GraphError) -> ValueID {
    guard units > 0, units <= 1 << 16 else {
      throw GraphError("\(name) needs between 1 and 65536 units, got \(units)")
    }
    let type = context.graph[x].type
    guard type.rank == 3, type.dtype == .float32, case .fixed(let steps) = type.shape[1],
      case .fixed(let features) = type.shape[2]
    else {
      throw GraphError(
        "\(name) reads sequences [N, length, features], got \(type)",
        help: help(forInput: type))
    }
    let rows = cell.gates * units
    // U(−1/√H, 1/√H), PyTorch's initialization: Glorot's limit √(6 / (fanIn + fanOut)) with
    // fanIn + fanOut = 6H.
    let initializer = Initializer.glorotUniform(fanIn: 3 * units, fanOut: 3 * units)
    func direction(reverse: Bool) throws(GraphError) -> ValueID {
      let suffix = reverse ? "_reverse" : ""
      let weights = [
        try context.parameter("weight_ih\(suffix)", [rows, features], initializer),
        try context.parameter("weight_hh\(suffix)", [rows, units], initializer),
        try context.parameter("bias_ih\(suffix)", [rows], initializer),
        try context.parameter("bias_hh\(suffix)", [rows], initializer),
      ]
      // Padded steps (mask_zero) leave the state as it was.
      let mask = context.mask
      let op = Recurrent(cell: cell, units: units, reverse: reverse, masked: mask != nil)
      let hidden = try context.graph.apply(
        op, [x] + weights + (mask.map { [$0] } ?? []),
        name: "\(context.layerName)/\(name)\(reverse ? "_reverse" : "")",
        location: context.location)[0]
      guard !returnSequences else { return hidden }
      // The state after the loop's last step: the sequence's end, or for the reverse loop its
      // start.
      let last = try context.apply(
        Slice(axis: 1, offset: reverse ? 0 : steps - 1, width: 1), [hidden])
      return try context.apply(Reshape([.batch, .fixed(units)]), [last])
    }
    let forward = try direction(reverse: false)
    guard bidirectional else { return forward }
    return try context.apply(Concat(axis: -1), [forward, try direction(reverse: true)])
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  LayerCatalog.register(
    LayerCatalog.lstm, LayerCatalog.gru, LayerCatalog.rnn, LayerCatalog.bidirectional)
}
