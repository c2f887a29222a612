/// How an op may be fused with its neighbours (the classes of TVM and tinygrad).
public enum FusionClass: String, Sendable {
  /// One output element from the same element of each input (ReLU, Add).
  case elementwise
  /// A fixed re-indexing of the input (Reshape, Transpose).
  case injective
  /// Reduces along axes (column sums, softmax).
  case reduction
  /// Compute-bound or irregular (GEMM, convolution, optimizer updates).
  case opaque
}

/// How an op is drawn in diagrams: its family picks the colour.
public enum OpFamily: String, Sendable {
  case input, output, loss, convolution, dense, activation, normalization, pooling, reshape
  case merge, optimizer, metric, other
}

/// What an op does besides computing its outputs from its inputs. A pure op (no effects) may
/// be folded into a constant or merged with an identical one (CSE); any effect forbids both.
/// Dead-code elimination keeps the ops that write an input or communicate even when nothing
/// reads their outputs, and removes the others (an unused dropout) like pure ones.
public enum Effect: Sendable, Hashable, Codable {
  /// Overwrites input `n` in place (an optimizer update, running statistics): runs after every
  /// other reader of that value.
  case writesInput(Int)
  /// The result changes from step to step with nothing but the step itself (a scheduled
  /// learning rate, Adam's bias correction).
  case dependsOnStep
  /// Behaves differently while training and in evaluation (dropout, batch statistics).
  case dependsOnMode
  /// Draws from the step's random stream (dropout masks).
  case random
  /// Communicates with other processes (an all-reduce): every process must run its
  /// collectives in the same order, so the scheduler runs them in listed order.
  case collective
}

/// The names of an op's inputs and outputs, in order, as docs, diagrams and the ONNX mapping
/// show them. A trailing `...` marks a variadic list (`inputs: ["x..."]`).
public struct OpSignature: Sendable, Hashable {
  public var inputs: [String]
  public var outputs: [String]

  public init(inputs: [String], outputs: [String] = ["y"]) {
    self.inputs = inputs
    self.outputs = outputs
  }
}

/// A primitive operation of the static graph: a described value. Its type has a stable
/// `opType` and its stored properties are its attributes (typed, `Hashable` and `Codable`, so
/// CSE compares ops by value and tools write and read them without parsing text). Everything
/// about one op lives in its file: signature, attributes, shape rule, gradient, fusion class,
/// diagram family and effects. Its CPU kernel is bound by the runtime (`DLGRuntime`), so the
/// IR needs no kernel library.
public protocol Operator: Sendable, Hashable, Codable {
  /// The op's stable identifier (`Conv2D`): registry key, and what files and tools store.
  static var opType: String { get }
  /// Names of inputs and outputs.
  static var signature: OpSignature { get }

  /// The op's name as users see it in `dlg compile --explain` and diagrams (defaults to
  /// `opType`; an op whose attribute picks a function may name that: `Sigmoid`).
  var name: String { get }
  /// Attributes in one line (`stride 1, valid`), empty when there are none.
  var attributeSummary: String { get }
  var fusionClass: FusionClass { get }
  var family: OpFamily { get }
  /// What the op does besides computing its outputs (none for most ops).
  var effects: [Effect] { get }

  /// The shape rule: output types from input types, or a `GraphError` saying what is wrong.
  func outputTypes(for inputs: [TensorType]) throws(GraphError) -> [TensorType]

  /// Appends the nodes computing the gradient of each input, given the gradient of each
  /// output (nil where an output does not influence the loss). Returns one entry per input,
  /// nil for inputs that get no gradient (labels, integer inputs).
  func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(GraphError) -> [ValueID?]

  /// Checks attributes that did not come from a shape rule (an op read from a file): a zero
  /// stride, a negative count or a register out of range is an error, never a trap later.
  func validateAttributes() throws(GraphError)

  /// If output 0 is a view of input `n` (same bytes, new shape), returns `n`; the memory
  /// planner then gives both one storage and no kernel work is needed.
  var aliasedInput: Int? { get }

  /// If output 0 may overwrite input `n` when nothing reads that input afterwards, returns
  /// `n`; the memory planner then gives them one buffer (in-place execution).
  var inPlaceInput: Int? { get }
}

extension Operator {
  public var name: String { Self.opType }
  public var attributeSummary: String { "" }
  public var effects: [Effect] { [] }
  public func validateAttributes() throws(GraphError) {}
  public var aliasedInput: Int? { nil }
  public var inPlaceInput: Int? { nil }

  /// The stable identifier of this op's type.
  public var opType: String { Self.opType }

  /// Indices of the inputs this op overwrites in place.
  public var writtenInputs: [Int] {
    effects.compactMap { if case .writesInput(let n) = $0 { n } else { nil } }
  }

  /// True when the op only computes outputs from inputs: foldable, mergeable, removable.
  public var isPure: Bool { effects.isEmpty }

  /// True when the result changes with the step alone (never folded into a constant).
  public var dependsOnStep: Bool { effects.contains(.dependsOnStep) }

  /// True when the op communicates with other processes (run in listed order).
  public var isCollective: Bool { effects.contains(.collective) }

  /// True when `other` is the same op with the same attributes.
  public func isSame(as other: any Operator) -> Bool {
    guard let other = other as? Self else { return false }
    return self == other
  }
}

/// An op with no gradient (metrics, updates, gradient kernels themselves).
public protocol NonDifferentiable: Operator {}

extension NonDifferentiable {
  public func gradients(
    of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder
  ) throws(GraphError) -> [ValueID?] {
    Array(repeating: nil, count: node.inputs.count)
  }
}
