import DLGGraph

extension LayerCatalog {
  /// `LayerNorm[epsilon: 1e-5]` and `RMSNorm[epsilon: 1e-6]`: each position normalized over
  /// its last axis (features), then scaled by a learned γ (and, for LayerNorm, shifted by β).
  static func rowNormalization(_ name: String, centered: Bool, epsilon: Double) -> LayerSpec {
    LayerSpec(
      name: name, aliases: centered ? ["LayerNormalization"] : ["RMSNormalization"],
      parameters: [ParameterSpec("epsilon", .float, default: .float(epsilon), positional: false)],
      family: .normalization,
      lowering: { arguments, inputs, context throws(GraphError) in
        let epsilon = arguments.float("epsilon")
        guard epsilon > 0, epsilon <= 1 else {
          throw GraphError("\(name)'s epsilon must be above 0 and at most 1, got \(epsilon)")
        }
        let type = context.graph[inputs[0]].type
        guard type.rank >= 2, case .fixed(let width) = type.shape.last else {
          throw GraphError(
            "\(name) normalizes the last axis of a batch, got \(type)",
            help: "use it on [N, features] or [N, length, features]")
        }
        var parameters = [try context.parameter("gamma", [width], .ones)]
        if centered { parameters.append(try context.parameter("beta", [width], .zeros)) }
        return try context.graph.apply(
          LayerNorm(epsilon: Float(epsilon), centered: centered), [inputs[0]] + parameters,
          name: "\(context.layerName)/\(name)", location: context.location)[0]
      })
  }

  /// `GroupNorm[groups, epsilon: 1e-5]`: each sample's channels normalized in `groups`
  /// groups over all positions (Wu & He 2018), then a learned per-channel γ and β.
  static let groupNorm = LayerSpec(
    name: "GroupNorm", aliases: ["GroupNormalization"],
    parameters: [
      ParameterSpec("groups", .integer),
      ParameterSpec("epsilon", .float, default: .float(1e-5), positional: false),
    ],
    family: .normalization,
    lowering: { arguments, inputs, context throws(GraphError) in
      let (groups, epsilon) = (arguments.integer("groups"), arguments.float("epsilon"))
      guard groups > 0 else { throw GraphError("GroupNorm needs at least 1 group, got \(groups)") }
      guard epsilon > 0, epsilon <= 1 else {
        throw GraphError("GroupNorm's epsilon must be above 0 and at most 1, got \(epsilon)")
      }
      let type = context.graph[inputs[0]].type
      guard type.rank >= 3, case .fixed(let channels) = type.shape.last else {
        throw GraphError(
          "GroupNorm normalizes images [N, height, width, channels] (or sequences), got \(type)",
          help: "on [N, features] use LayerNorm")
      }
      let gamma = try context.parameter("gamma", [channels], .ones)
      let beta = try context.parameter("beta", [channels], .zeros)
      return try context.graph.apply(
        GroupNorm(groups: groups, epsilon: Float(epsilon)), [inputs[0], gamma, beta],
        name: "\(context.layerName)/GroupNorm", location: context.location)[0]
    })

  static let layerNorm = rowNormalization("LayerNorm", centered: true, epsilon: 1e-5)
  static let rmsNorm = rowNormalization("RMSNorm", centered: false, epsilon: 1e-6)

  /// `BatchNorm[momentum: 0.1, epsilon: 1e-5]`: normalizes each channel (the last axis) with
  /// the batch's statistics while training and with running statistics in evaluation, then
  /// scales and shifts by a learned γ and β.
  static let batchNorm = LayerSpec(
    name: "BatchNorm",
    aliases: [
      "BatchNormalization", "BatchNorm1D", "BatchNorm2D", "BatchNorm1d", "BatchNorm2d",
    ],
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
  LayerCatalog.register(
    LayerCatalog.batchNorm, LayerCatalog.normalize, LayerCatalog.layerNorm, LayerCatalog.rmsNorm,
    LayerCatalog.groupNorm)
}
