import DLGGraph

/// The optimizers a train section may name: `optimizer Adam(lr: 0.001)`. Each is written as
/// graph ops (`OptimizerSpec.appendUpdate`); these entries give their settings.
public enum Optimizers {
  public static let table = TrainingCallTable<OptimizerSpec>(kind: "optimizer")

  /// Adam's settings, shared by Adam and AdamW (which differ in the weight decay's default).
  static func adam(_ name: String, weightDecay: Double, summary: String)
    -> TrainingCall<OptimizerSpec>
  {
    TrainingCall(
      name,
      parameters: [
        ParameterSpec("lr", .nonNegativeNumber, default: .float(0.001)),
        ParameterSpec("beta1", .nonNegativeNumber, default: .float(0.9), positional: false),
        ParameterSpec("beta2", .nonNegativeNumber, default: .float(0.999), positional: false),
        ParameterSpec("epsilon", .nonNegativeNumber, default: .float(1e-7), positional: false),
        ParameterSpec(
          "weight_decay", .nonNegativeNumber, default: .float(weightDecay), positional: false),
      ], summary: summary
    ) { arguments, _ in
      .adam(
        AdamSettings(
          learningRate: Float(arguments.float("lr")), beta1: Float(arguments.float("beta1")),
          beta2: Float(arguments.float("beta2")), epsilon: Float(arguments.float("epsilon")),
          weightDecay: Float(arguments.float("weight_decay"))))
    }
  }

  static let sgd = TrainingCall<OptimizerSpec>(
    "SGD",
    parameters: [
      ParameterSpec("lr", .nonNegativeNumber, default: .float(0.01)),
      ParameterSpec("momentum", .nonNegativeNumber, default: .float(0), positional: false),
      ParameterSpec(
        "nesterov", .choice(["true", "false"]), default: .name("false"), positional: false),
      ParameterSpec("weight_decay", .nonNegativeNumber, default: .float(0), positional: false),
    ], summary: "stochastic gradient descent, with PyTorch's momentum and Nesterov semantics"
  ) { arguments, _ in
    .sgd(
      SGDSettings(
        learningRate: Float(arguments.float("lr")), momentum: Float(arguments.float("momentum")),
        nesterov: arguments.name("nesterov") == "true",
        weightDecay: Float(arguments.float("weight_decay"))))
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  Optimizers.table.register(
    Optimizers.adam("Adam", weightDecay: 0, summary: "Adam (Kingma & Ba, 2015)"),
    // AdamW is Adam with decoupled weight decay, by default PyTorch's 0.01.
    Optimizers.adam(
      "AdamW", weightDecay: 0.01, summary: "Adam with decoupled weight decay (Loshchilov & Hutter)"),
    Optimizers.sgd)
}
