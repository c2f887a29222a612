import DLGSource

/// Identifies a value (a tensor) in a `Graph`.
public struct ValueID: Sendable, Hashable, Comparable, CustomStringConvertible {
  public let index: Int

  public init(_ index: Int) { self.index = index }

  public static func < (lhs: ValueID, rhs: ValueID) -> Bool { lhs.index < rhs.index }
  public var description: String { "%\(index)" }
}

/// Where a value's storage lives, which decides how the runtime and the memory planner treat it.
public enum ValueRole: Sendable, Hashable {
  /// Fed from outside before each step (images, labels).
  case input
  /// A trainable weight: persistent, initialized once, updated by the optimizer.
  case parameter(Initializer)
  /// Persistent non-trainable state, such as an optimizer's moment estimates (starts at zero).
  case state
  /// Non-trainable model state that training updates and inference reads (batch
  /// normalization's running statistics): saved with the weights, unlike optimizer state.
  case statistic(Initializer)
  /// Produced by a node during a step; placed in the arena by the memory planner.
  case intermediate
  /// Known before training: computed once by constant folding, stored with the parameters.
  case constant([Float])
}

/// How a parameter's initial values are drawn.
public enum Initializer: Sendable, Hashable {
  case zeros
  case ones
  /// Glorot/Xavier uniform: U(-l, l) with l = sqrt(6 / (fanIn + fanOut)).
  case glorotUniform(fanIn: Int, fanOut: Int)
  /// He/Kaiming normal-free uniform: U(-l, l) with l = sqrt(6 / fanIn).
  case heUniform(fanIn: Int)
}

/// A tensor in the graph.
public struct Value: Sendable {
  public var type: TensorType
  /// A readable name: `conv.weight`, `fc/relu`, `grad(conv.weight)`.
  public var name: String
  public var role: ValueRole
  /// Index of the node that produces it, nil for inputs, parameters and state.
  public var producer: Int?

  public init(type: TensorType, name: String, role: ValueRole, producer: Int?) {
    self.type = type
    self.name = name
    self.role = role
    self.producer = producer
  }

  /// True for values that outlive a step (parameters and optimizer state).
  public var isPersistent: Bool {
    switch role {
    case .parameter, .state, .statistic, .constant: true
    case .input, .intermediate: false
    }
  }
}

/// One operation applied to values.
public struct Node: Sendable {
  public var op: any Operator
  public var inputs: [ValueID]
  public var outputs: [ValueID]
  /// The layer this node was lowered from (`conv`), or a generated name (`grad/conv`).
  public var name: String
  /// The source of the layer it came from, for diagnostics.
  public var location: SourceRange?
  /// Ordering edges: values whose producers must have run before this node, though it does
  /// not read them (a collective after the gradient it must follow). The scheduler honours
  /// them besides the data and memory dependencies.
  public var after: [ValueID]

  public init(
    op: any Operator, inputs: [ValueID], outputs: [ValueID], name: String, location: SourceRange?,
    after: [ValueID] = []
  ) {
    self.op = op
    self.inputs = inputs
    self.outputs = outputs
    self.name = name
    self.location = location
    self.after = after
  }
}
