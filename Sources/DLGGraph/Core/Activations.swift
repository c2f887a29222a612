/// A named activation function: what `activation: relu` on a layer applies, what the
/// `Activation[relu]` layer applies, and, when it has a layer name, a layer of its own (`ReLU`).
/// Each activation registers itself beside the ops it is made of, so adding one is one file:
/// either a primitive op with its kernel, or a composition of the elementwise vocabulary that
/// autodiff differentiates and the fusion pass turns into one loop (see `SiLU`).
public struct ActivationFunction: Sendable {
  /// The name users write after `activation:` (`relu`).
  public var name: String
  /// Other names for it (`none` for `linear`).
  public var aliases: [String]
  /// The layer that applies it alone (`ReLU`), nil for activations without a layer.
  public var layerName: String?
  /// Other spellings of the layer (`Relu`).
  public var layerAliases: [String]
  /// One line for documentation and an editor's hover.
  public var summary: String
  /// Appends the activation of `x` to the builder's graph; returns its output. Node names
  /// come from the builder (`conv/ReLU`).
  public var apply: @Sendable (ValueID, inout GraphBuilder) throws(GraphError) -> ValueID

  public init(
    name: String, aliases: [String] = [], layerName: String? = nil, layerAliases: [String] = [],
    summary: String,
    apply: @escaping @Sendable (ValueID, inout GraphBuilder) throws(GraphError) -> ValueID
  ) {
    self.name = name
    self.aliases = aliases
    self.layerName = layerName
    self.layerAliases = layerAliases
    self.summary = summary
    self.apply = apply
  }

  /// An activation that is one op applied to its input.
  public static func op(
    _ name: String, layer: String? = nil, layerAliases: [String] = [], summary: String,
    _ op: any Operator
  ) -> ActivationFunction {
    ActivationFunction(
      name: name, layerName: layer, layerAliases: layerAliases, summary: summary
    ) { x, builder throws(GraphError) in
      try builder.add(op, [x], op.name)
    }
  }
}

/// Every activation linked into the program, by name.
public enum ActivationRegistry {
  private static let table = RegistryTable<ActivationFunction>()

  private static let byName: [String: ActivationFunction] = {
    var result: [String: ActivationFunction] = [:]
    for activation in table.all {
      for name in [activation.name] + activation.aliases {
        precondition(result[name] == nil, "two activations are called \(name)")
        result[name] = activation
      }
    }
    return result
  }()

  /// Registers an activation; called from a file's `Registration`.
  public static func register(_ activation: ActivationFunction) { table.add(activation) }

  /// The activation called `name` (or one of its aliases), if any.
  public static func named(_ name: String) -> ActivationFunction? { byName[name] }

  /// Every activation, sorted by name.
  public static var all: [ActivationFunction] { table.all.sorted { $0.name < $1.name } }

  /// Every name and alias, sorted: what `activation:` accepts.
  public static var names: [String] { byName.keys.sorted() }
}

@used @section("dlg_registry")
private let registration: Registration = {
  ActivationRegistry.register(
    ActivationFunction(
      name: "linear", aliases: ["none"], summary: "no activation: the values pass unchanged"
    ) { x, _ in x })
}
