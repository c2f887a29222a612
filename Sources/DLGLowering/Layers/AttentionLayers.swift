import DLGGraph

extension LayerCatalog {
  /// `MultiHeadAttention[heads, key_dim:, causal: false, dropout: 0]` (Vaswani et al., 2017)
  /// on sequences `[N, T, D]`: self-attention with one input, cross-attention with two (the
  /// queries' sequence, then the keys' and values'). Queries, keys and values are projected to
  /// `heads` heads of `key_dim` (default D / heads), scaled dot products are softmaxed over the
  /// keys (the future hidden when `causal`), and the heads' results are joined and projected
  /// back to D. Built from ops: products, transposes, a softmax, a mask. The key projection
  /// has no bias: the softmax cancels it.
  static let multiHeadAttention = LayerSpec(
    name: "MultiHeadAttention", aliases: ["Attention", "SelfAttention"],
    parameters: [
      ParameterSpec("heads", .integer),
      ParameterSpec("key_dim", .integer, positional: false, optional: true),
      ParameterSpec(
        "causal", .choice(["true", "false"]), default: .name("false"), positional: false),
      ParameterSpec("dropout", .float, default: .float(0), positional: false),
    ],
    inputArity: 1...2, family: .other,
    lowering: { arguments, inputs, context throws(GraphError) in
      try attention(arguments, inputs, &context)
    })

  private static func attention(
    _ arguments: BoundArguments, _ inputs: [ValueID], _ context: inout LayerLoweringContext
  ) throws(GraphError) -> ValueID {
    let (x, memory) = (inputs[0], inputs.count == 2 ? inputs[1] : inputs[0])
    let (queryType, memoryType) = (context.graph[x].type, context.graph[memory].type)
    for type in [queryType, memoryType] {
      guard type.rank == 3, type.isBatched, type.dtype == .float32 else {
        throw GraphError(
          "MultiHeadAttention works on sequences [N, length, features], got \(type)",
          help: "put an Embedding (or a Dense on a sequence) before it")
      }
    }
    guard case .fixed(let length) = queryType.shape[1], case .fixed(let width) = queryType.shape[2],
      case .fixed(let keys) = memoryType.shape[1],
      case .fixed(let memoryWidth) = memoryType.shape[2]
    else { throw GraphError("MultiHeadAttention needs fixed sequence lengths") }
    let heads = arguments.integer("heads")
    let keyDim: Int
    if arguments.has("key_dim") {
      keyDim = arguments.integer("key_dim")
    } else {
      guard width % heads == 0 else {
        throw GraphError(
          "\(heads) heads do not divide the model width \(width)",
          notes: ["input: \(queryType)"],
          help: "use a number of heads that divides \(width), or give key_dim: explicitly")
      }
      keyDim = width / heads
    }
    let causal = arguments.name("causal") == "true"
    guard !causal || keys == length else {
      throw GraphError(
        "causal attention needs keys as long as the queries, got \(length) queries and \(keys) keys",
        notes: ["queries: \(queryType)", "keys:    \(memoryType)"])
    }
    let rate = arguments.float("dropout")
    let inner = heads * keyDim

    /// `source · W + b`, split into heads: `[N, heads, positions, keyDim]`.
    func project(_ source: ValueID, _ name: String, from features: Int, positions: Int)
      throws(GraphError) -> ValueID
    {
      let weight = try context.parameter(
        "w\(name)", [features, inner], .glorotUniform(fanIn: features, fanOut: inner))
      var projected = try context.apply(MatMul(), [source, weight])
      // A key bias adds the same q · b to every key of a query, which the softmax cancels: its
      // gradient is rounding noise, which Adam would turn into real steps. Keys get none.
      if name != "k" {
        let bias = try context.parameter("b\(name)", [inner], .zeros)
        projected = try context.apply(BiasAdd(), [projected, bias])
      }
      let split = try context.apply(
        Reshape([.batch, .fixed(positions), .fixed(heads), .fixed(keyDim)]), [projected])
      return try context.apply(Transpose([0, 2, 1, 3]), [split])
    }
    let q = try project(x, "q", from: width, positions: length)
    let k = try project(memory, "k", from: memoryWidth, positions: keys)
    let v = try project(memory, "v", from: memoryWidth, positions: keys)
    var scores = try context.apply(
      Scale(1 / Float(keyDim).squareRoot()),
      [try context.apply(BatchedMatMul(transposeB: true), [q, k])])
    if causal { scores = try context.apply(CausalMask(), [scores]) }
    // Padded keys (mask_zero) get no weight; a query with only padded keys attends to nothing.
    if let keyMask = context.inputMasks.last ?? nil {
      scores = try context.apply(MaskKeys(), [scores, keyMask])
    }
    var weights = try context.apply(Softmax(), [scores])
    // The dropout call checks the rate, so a negative one is refused here too.
    if rate != 0 { weights = try context.dropout(weights, rate: rate) }
    let heads3 = try context.apply(BatchedMatMul(), [weights, v])
    let joined = try context.apply(
      Reshape([.batch, .fixed(length), .fixed(inner)]),
      [try context.apply(Transpose([0, 2, 1, 3]), [heads3])])
    let output = try context.parameter(
      "wo", [inner, width], .glorotUniform(fanIn: inner, fanOut: width))
    let outputBias = try context.parameter("bo", [width], .zeros)
    return try context.apply(
      BiasAdd(), [try context.apply(MatMul(), [joined, output]), outputBias])
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  LayerCatalog.register(LayerCatalog.multiHeadAttention)
}
