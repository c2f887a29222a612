import DLGGraph
import DLGLang

/// The kind of value a layer parameter accepts.
public enum ParameterKind: Sendable {
  case integer
  case float
  /// A number ≥ 0 that a float holds (a learning rate, a decay).
  case nonNegativeNumber
  /// A whole number of steps or epochs, 0 ... 2³¹ (written `100` or `100.0`).
  case count
  /// A string (a path, a split's name).
  case string
  /// Names written as a name, a string, or a list of them (CSV columns).
  case names
  /// `3x3`, or a single integer meaning a square (`3`).
  case dimensions(rank: Int)
  /// A name from a fixed list (`relu`, `valid`, ...).
  case choice([String])
  /// A list of positive integers: a shape.
  case shape
  /// `N, d1, d2, ...`: a shape whose first dimension is the batch, written `N`.
  case batchedShape
  /// The id of another layer (`share: fc1`).
  case layerReference
  /// An axis of a sample: 1, 2, ... after the batch, or −1, −2, ... from the end.
  case axis
  /// The name of a registered activation (`relu`): the choices are read when arguments are
  /// bound, after every activation has registered.
  case activation

  /// The names a `choice` or an `activation` parameter accepts.
  public var choices: [String] {
    switch self {
    case .choice(let names): names
    case .activation: ActivationRegistry.names
    default: []
    }
  }
}

/// One parameter of a layer type: `Conv2D[filters, kernel, activation, stride:, padding:]`.
public struct ParameterSpec: Sendable {
  public var name: String
  public var kind: ParameterKind
  /// Nil for required parameters.
  public var defaultValue: ArgumentValue?
  /// True if the parameter can be given without a label at its position.
  public var positional: Bool
  /// True if it may be left out without a default (its absence means something, such as a
  /// pooling stride that follows the window).
  public var optional: Bool

  public init(
    _ name: String, _ kind: ParameterKind, default defaultValue: ArgumentValue? = nil,
    positional: Bool = true, optional: Bool = false
  ) {
    self.name = name
    self.kind = kind
    self.defaultValue = defaultValue
    self.positional = positional
    self.optional = optional
  }
}

/// A parameter's value after checking and constant evaluation.
public enum ArgumentValue: Sendable, Hashable {
  case integer(Int)
  case float(Double)
  case dimensions([Int])
  case name(String)
  case shape([Int])
  case string(String)
  case names([String])
}

extension ArgumentValue: CustomStringConvertible {
  /// As it would be written in a model (`3x3`, `relu`, `"train"`), for help and hovers.
  public var description: String {
    switch self {
    case .integer(let n): "\(n)"
    case .float(let x): "\(x)"
    case .dimensions(let d), .shape(let d): d.map(String.init).joined(separator: "x")
    case .name(let n): n
    case .string(let s): "\"\(s)\""
    case .names(let names): "[" + names.joined(separator: ", ") + "]"
    }
  }
}

/// Arguments bound to a layer's parameters, with typed accessors.
public struct BoundArguments: Sendable {
  var values: [String: ArgumentValue]

  /// True if the argument was written or has a default.
  public func has(_ name: String) -> Bool { values[name] != nil }

  public func integer(_ name: String) -> Int {
    if case .integer(let n) = values[name] { return n }
    return 0
  }

  public func dimensions(_ name: String) -> [Int] {
    if case .dimensions(let d) = values[name] { return d }
    return []
  }

  public func shape(_ name: String) -> [Int] {
    if case .shape(let d) = values[name] { return d }
    return []
  }

  public func name(_ name: String) -> String? {
    if case .name(let n) = values[name] { return n }
    return nil
  }

  public func string(_ name: String) -> String? {
    if case .string(let s) = values[name] { return s }
    return nil
  }

  public func names(_ name: String) -> [String] {
    if case .names(let n) = values[name] { return n }
    return []
  }

  public func float(_ name: String) -> Double {
    switch values[name] {
    case .float(let x): x
    case .integer(let n): Double(n)
    default: 0
    }
  }
}

/// How a layer lowers: given its checked arguments and its input values, append ops to the
/// graph and return the layer's output.
public typealias LayerLowering =
  @Sendable (BoundArguments, [ValueID], inout LayerLoweringContext) throws(GraphError) -> ValueID

/// What a call accepts: a layer's `[...]`, an optimizer's or a schedule's `(...)`.
public struct CallSignature: Sendable {
  public var name: String
  public var parameters: [ParameterSpec]
  /// Written with parentheses (`Adam(lr: 0.01)`) rather than brackets (`Dense[10]`).
  public var parenthesized: Bool

  public init(name: String, parameters: [ParameterSpec], parenthesized: Bool = false) {
    self.name = name
    self.parameters = parameters
    self.parenthesized = parenthesized
  }
}

/// A layer type users write in `.dlg` files.
public struct LayerSpec: Sendable {
  public var name: String
  /// Other spellings accepted (`Linear` for `Dense`).
  public var aliases: [String]
  public var parameters: [ParameterSpec]
  /// How many inputs it takes: `0...0` for Input, `1...1` for most, `2...` for merges.
  public var inputArity: ClosedRange<Int>
  public var family: OpFamily
  /// Nil for layer types that parse and draw but cannot run yet.
  public var lowering: LayerLowering?

  public init(
    name: String, aliases: [String] = [], parameters: [ParameterSpec] = [],
    inputArity: ClosedRange<Int> = 1...1, family: OpFamily, lowering: LayerLowering?
  ) {
    self.name = name
    self.aliases = aliases
    self.parameters = parameters
    self.inputArity = inputArity
    self.family = family
    self.lowering = lowering
  }
}

/// What a layer's lowering can touch: the graph, and the layer's name and location for the
/// nodes and parameters it creates.
public struct LayerLoweringContext {
  public var graph: Graph
  public var layerName: String
  public var location: SourceRange?
  /// `share: fc1`: the layer whose parameters this one reuses instead of creating its own.
  public var sharedWith: String?
  /// The padding mask `[N, T]` (1 for a real step) of each input that is a padded sequence,
  /// from an `Embedding[..., mask_zero: true]` before it; nil for the others.
  public var inputMasks: [ValueID?] = []
  /// A mask for the layer's output, when the layer makes one (the Embedding); otherwise the
  /// output keeps its first input's mask if it keeps its steps.
  public var outputMask: ValueID?

  /// The padding mask of the layer's first input, if it has one.
  public var mask: ValueID? { inputMasks.first ?? nil }

  /// Appends an op named after the layer (`conv/BiasAdd`).
  public mutating func apply(_ op: any Operator, _ inputs: [ValueID]) throws(GraphError) -> ValueID
  {
    try graph.applySingleOutput(op, inputs, name: "\(layerName)/\(op.name)", location: location)
  }

  /// Adds a trainable parameter named `layer.suffix`, or, for a layer declared with
  /// `share: other`, returns `other.suffix` after checking it has the same shape.
  public mutating func parameter(_ suffix: String, _ dims: [Int], _ initializer: Initializer)
    throws(GraphError) -> ValueID
  {
    guard let owner = sharedWith else {
      return graph.addParameter("\(layerName).\(suffix)", .fixed(dims), initializer: initializer)
    }
    let name = "\(owner).\(suffix)"
    guard let shared = graph.parameters.first(where: { graph[$0].name == name }) else {
      throw GraphError(
        "there is no parameter `\(name)` to share",
        help: "`share:` names a layer of the same kind declared before this one")
    }
    guard graph[shared].type == .fixed(dims) else {
      throw GraphError(
        "cannot share `\(name)`: the shapes differ",
        notes: ["`\(name)`: \(graph[shared].type)", "this layer needs: \(TensorType.fixed(dims))"])
    }
    return shared
  }

  /// Adds non-trainable state named `layer.suffix` (running statistics), or, with `share:`,
  /// returns the shared layer's.
  public mutating func statistic(_ suffix: String, _ dims: [Int], _ initializer: Initializer)
    throws(GraphError) -> ValueID
  {
    guard let owner = sharedWith else {
      return graph.addStatistic("\(layerName).\(suffix)", .fixed(dims), initializer: initializer)
    }
    let name = "\(owner).\(suffix)"
    guard let shared = graph.modelWeights.first(where: { graph[$0].name == name }),
      graph[shared].type == .fixed(dims)
    else {
      throw GraphError(
        "cannot share `\(name)`", help: "`share:` names a layer of the same kind and size")
    }
    return shared
  }

  /// The common tail of Dense and Conv2D: a bias of `width` (unless `bias: false`), then the
  /// layer's `activation` argument.
  public mutating func biasAndActivation(
    _ x: ValueID, width: Int, _ arguments: BoundArguments
  ) throws(GraphError) -> ValueID {
    var y = x
    if arguments.name("bias") != "false" {
      let bias = try parameter("bias", [width], .zeros)
      y = try apply(BiasAdd(), [y, bias])
    }
    return try activate(y, arguments.name("activation"))
  }

  /// Dropout of `x` at `rate`, its masks seeded by the layer's name so that no two layers
  /// share one (the Dropout layer, attention's weights).
  public mutating func dropout(_ x: ValueID, rate: Double) throws(GraphError) -> ValueID {
    try Self.checkDropoutRate(rate)
    return try graph.apply(
      Dropout(rate: Float(rate), salt: layerSalt), [x], name: "\(layerName)/Dropout",
      location: location)[0]
  }

  /// Drops whole `patch` (height, width) patches of the image `x` while training.
  public mutating func patchDropout(_ x: ValueID, rate: Double, patch: [Int]) throws(GraphError)
    -> ValueID
  {
    try Self.checkDropoutRate(rate)
    let type = graph[x].type
    guard type.rank == 4, case .fixed(let height) = type.shape[1],
      case .fixed(let width) = type.shape[2]
    else {
      throw GraphError(
        "PatchDropout drops patches of images [N, height, width, channels], got \(type)")
    }
    guard patch.count == 2, (1...height).contains(patch[0]), (1...width).contains(patch[1]) else {
      throw GraphError(
        "a patch must fit the \(height)x\(width) image, got \(patch.map(String.init).joined(separator: "x"))"
      )
    }
    return try graph.apply(
      PatchDropout(rate: Float(rate), patchHeight: patch[0], patchWidth: patch[1], salt: layerSalt),
      [x], name: "\(layerName)/PatchDropout", location: location)[0]
  }

  /// Adds Gaussian noise of standard deviation `deviation` to `x` while training.
  public mutating func gaussianNoise(_ x: ValueID, deviation: Double) throws(GraphError)
    -> ValueID
  {
    guard deviation >= 0, deviation <= 1e6 else {
      throw GraphError("a noise deviation must be between 0 and 1e6, got \(deviation)")
    }
    return try graph.apply(
      GaussianNoise(deviation: Float(deviation), salt: layerSalt), [x],
      name: "\(layerName)/GaussianNoise", location: location)[0]
  }

  /// Dropout of values or of patches keeps a fraction 1 − rate: it must be above 0.
  private static func checkDropoutRate(_ rate: Double) throws(GraphError) {
    guard rate >= 0, rate < 1 else {
      throw GraphError("a dropout rate must be at least 0 and below 1, got \(rate)")
    }
  }

  /// A seed from the layer's name (FNV-1a): each random layer draws its own numbers.
  private var layerSalt: UInt64 {
    layerName.utf8.reduce(UInt64(0xCBF2_9CE4_8422_2325)) {
      ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01B3
    }
  }

  /// Applies a named activation to `x` (none when `activation` is nil).
  public mutating func activate(_ x: ValueID, _ activation: String?) throws(GraphError) -> ValueID {
    guard let activation else { return x }
    guard let function = ActivationRegistry.named(activation) else {
      throw GraphError(
        "there is no activation `\(activation)`",
        help: "use one of: " + ActivationRegistry.names.joined(separator: ", "))
    }
    // The builder takes the graph over while it works: with a second reference left here,
    // its first mutation copied the whole graph, for every activation of every layer.
    var builder = GraphBuilder(graph: graph, namePrefix: layerName, location: location)
    graph = Graph()
    defer { graph = builder.graph }
    return try function.apply(x, &builder)
  }
}
