import DLGGraph

extension LayerCatalog {
  /// `BatchNorm[momentum: 0.1, epsilon: 1e-5]`: normalizes each channel (the last axis) with
  /// the batch's statistics while training and with running statistics in evaluation, then
  /// scales and shifts by a learned γ and β.
  static let batchNorm = LayerSpec(
    name: "BatchNorm", aliases: ["BatchNormalization", "BatchNorm1D", "BatchNorm2D"],
    parameters: [
      ParameterSpec("momentum", .float, default: .float(0.1), positional: false),
      ParameterSpec("epsilon", .float, default: .float(1e-5), positional: false),
    ],
    family: .normalization,
    lowering: { arguments, inputs, context throws(GraphError) in
      let (momentum, epsilon) = (arguments.float("momentum"), arguments.float("epsilon"))
      guard momentum > 0, momentum <= 1 else {
        throw GraphError("BatchNorm's momentum must be above 0 and at most 1, got \(momentum)")
      }
      guard epsilon > 0 else { throw GraphError("BatchNorm's epsilon must be positive") }
      let type = context.graph[inputs[0]].type
      guard type.rank >= 2, case .fixed(let channels) = type.shape.last else {
        throw GraphError(
          "BatchNorm normalizes the last axis of a batch, got \(type)",
          help: "use it after Dense ([N, features]) or Conv2D ([N, height, width, channels])")
      }
      let gamma = try context.parameter("gamma", [channels], .ones)
      let beta = try context.parameter("beta", [channels], .zeros)
      let mean = try context.statistic("running_mean", [channels], .zeros)
      let variance = try context.statistic("running_var", [channels], .ones)
      return try context.graph.apply(
        BatchNorm(epsilon: Float(epsilon), momentum: Float(momentum)),
        [inputs[0], gamma, beta, mean, variance], name: "\(context.layerName)/BatchNorm",
        location: context.location)[0]
    })

  /// `Normalize`: standardizes each channel (the last axis) of the model's input with the
  /// mean and variance of the training data, measured once before training and saved with the
  /// weights, so evaluation and prediction see inputs scaled the same way.
  static let normalize = LayerSpec(
    name: "Normalize", aliases: ["Normalization", "Standardize"], family: .normalization,
    lowering: { _, inputs, context throws(GraphError) in
      // The statistics are measured on the data itself, so the layer must read the input
      // (directly or through a reshape).
      var source = inputs[0]
      while let producer = context.graph[source].producer,
        context.graph.nodes[producer].op is Reshape
      {
        source = context.graph.nodes[producer].inputs[0]
      }
      guard context.graph[source].role == .input else {
        throw GraphError(
          "Normalize standardizes the model's input with statistics of the data",
          help: "put it right after the Input layer; to normalize inside the network, use BatchNorm"
        )
      }
      let type = context.graph[inputs[0]].type
      guard type.dtype == .float32, case .fixed(let channels) = type.shape.last else {
        throw GraphError("Normalize needs float inputs with a fixed last axis, got \(type)")
      }
      let mean = try context.statistic("mean", [channels], .zeros)
      let variance = try context.statistic("variance", [channels], .ones)
      return try context.apply(Standardize(), [inputs[0], mean, variance])
    })
}

@used @section("dlg_registry")
private let registration: Registration = {
  LayerCatalog.register(LayerCatalog.batchNorm, LayerCatalog.normalize)
}
