/// The syntax tree of a `.dlg` file: what the parser produces and lowering consumes.
///
/// A file is a sequence of sections. The `neuralnet` section is a Mermaid `neuralnet` diagram
/// (sequential or graph mode); the `train` section says how to train it.
public struct ModelFile: Sendable {
  public var source: SourceFile
  public var network: NetworkSection?
  /// The train sections in order: one, or several named stages (`train pretrain`,
  /// `train finetune`) that run one after the other.
  public var trains: [TrainSection] = []
  /// Reusable blocks declared with `block Name(params) ... end`, in order; after loading, also
  /// the blocks of imported files.
  public var blocks: [BlockDecl]
  /// `import "path.dlg"` and `import name` lines.
  public var imports: [ImportDecl] = []
  /// `let width = 64` lines, in order: named constants usable in any argument.
  public var constants: [ConstantDecl] = []
  /// The text of every imported file, whose blocks' ranges point into them (diagram labels
  /// quote their arguments as written).
  public var importedSources: [SourceFile] = []

  public init(
    source: SourceFile, network: NetworkSection?, train: TrainSection?, blocks: [BlockDecl] = []
  ) {
    self.source = source
    self.network = network
    self.trains = train.map { [$0] } ?? []
    self.blocks = blocks
  }

  /// The last train section: the one a model is evaluated and used with after training.
  public var train: TrainSection? { trains.last }

  /// The train section of a stage.
  public func trainSection(named name: String) -> TrainSection? {
    trains.first { $0.name?.name == name }
  }
}

extension ModelFile {
  /// The text of a range as written, in this file or the imported one it points into.
  public func text(of range: SourceRange) -> String {
    // The file's bytes, not a copy of its text: this runs for every layer.
    let bytes =
      range.file == source.path
      ? source.bytes : importedSources.first { $0.path == range.file }?.bytes ?? []
    let start = max(0, min(range.start.offset, bytes.count))
    let end = max(start, min(range.end.offset, bytes.count))
    return String(decoding: bytes[start..<end], as: UTF8.self)
  }

  /// A layer's arguments as written (`32, 3x3, relu`), for labels and hovers.
  public func argumentsText(of decl: LayerDecl) -> String {
    guard let first = decl.arguments.first, let last = decl.arguments.last else { return "" }
    return text(
      of: SourceRange(file: first.range.file, start: first.range.start, end: last.range.end))
  }
}

/// `block ConvBlock(filters, kernel: 3x3) ... end`: layers and edges used like one layer.
/// Its body is a network section: sequential (each layer feeds the next, the first gets the
/// block's input) or graph mode, where the name `in` stands for the block's input. The block's
/// output is its layer named `out`, or else its last layer.
public struct BlockDecl: Sendable {
  public var name: Identifier
  public var parameters: [BlockParameter]
  public var body: NetworkSection
  public var range: SourceRange

  public init(
    name: Identifier, parameters: [BlockParameter], body: NetworkSection, range: SourceRange
  ) {
    self.name = name
    self.parameters = parameters
    self.body = body
    self.range = range
  }
}

/// `import "blocks/conv.dlg"` (a path relative to the importing file) or `import conv`
/// (`conv.dlg` in the standard library, `stdlib/`).
public struct ImportDecl: Sendable {
  public var path: String
  /// True for `import name`: looked up in the standard library.
  public var isLibrary: Bool
  public var range: SourceRange

  public init(path: String, isLibrary: Bool, range: SourceRange) {
    self.path = path
    self.isLibrary = isLibrary
    self.range = range
  }
}

/// `let name = expression`: a named constant.
public struct ConstantDecl: Sendable {
  public var name: Identifier
  public var value: Expression
  public var range: SourceRange

  public init(name: Identifier, value: Expression, range: SourceRange) {
    self.name = name
    self.value = value
    self.range = range
  }
}

/// A block parameter, with its default value if it has one (`kernel: 3x3`).
public struct BlockParameter: Sendable {
  public var name: Identifier
  public var defaultValue: Expression?

  public init(name: Identifier, defaultValue: Expression?) {
    self.name = name
    self.defaultValue = defaultValue
  }
}

/// The `neuralnet` section: layer declarations and the edges between them.
public struct NetworkSection: Sendable {
  public enum Mode: Sendable, Equatable {
    /// `neuralnet sequential`, or a diagram without any `-->` edge: each layer feeds the next.
    case sequential
    /// Layers are wired by `a --> b` edges.
    case graph
  }

  public var mode: Mode
  public var title: String?
  /// Direction hint for diagrams (`TB`, `LR`, ...), from a `direction LR` line; nil if absent.
  public var direction: String?
  public var layers: [LayerDecl]
  /// Each `a --> b --> c` line, as the list of node references it chains.
  public var chains: [EdgeChain]
  /// Range of the `neuralnet` header keyword.
  public var range: SourceRange

  public init(
    mode: Mode, title: String?, direction: String?, layers: [LayerDecl], chains: [EdgeChain],
    range: SourceRange
  ) {
    self.mode = mode
    self.title = title
    self.direction = direction
    self.layers = layers
    self.chains = chains
    self.range = range
  }
}

/// One layer line: `conv: Conv2D[32, 3x3, relu]`, or `Dense[128]` without an id in
/// sequential mode. A layer may carry a quoted label: `fc: Dense[128] "hidden layer"`.
public struct LayerDecl: Sendable {
  /// The identifier before the colon; nil for anonymous layers in sequential mode.
  public var id: Identifier?
  /// The layer type, `Conv2D` in the example.
  public var type: Identifier
  /// The bracketed arguments; empty when the brackets are omitted (`Flatten`).
  public var arguments: [Argument]
  public var label: String?
  /// `ConvBlock[32] * 3`: the layer repeated, each copy feeding the next.
  public var repeatCount: Expression?
  /// The whole declaration.
  public var range: SourceRange

  public init(
    id: Identifier?, type: Identifier, arguments: [Argument], label: String?,
    repeatCount: Expression? = nil, range: SourceRange
  ) {
    self.id = id
    self.type = type
    self.arguments = arguments
    self.label = label
    self.repeatCount = repeatCount
    self.range = range
  }
}

/// A name with where it was written.
public struct Identifier: Sendable, Hashable {
  public var name: String
  public var range: SourceRange

  public init(name: String, range: SourceRange) {
    self.name = name
    self.range = range
  }
}

/// `a --> b --> c`: a path of node references, each consecutive pair one edge.
public struct EdgeChain: Sendable {
  public var nodes: [Identifier]
  public var range: SourceRange

  public init(nodes: [Identifier], range: SourceRange) {
    self.nodes = nodes
    self.range = range
  }
}

/// An argument in brackets or parentheses: positional (`32`) or labelled (`lr: 0.001`).
public struct Argument: Sendable {
  public var label: Identifier?
  public var value: Expression
  public var range: SourceRange

  public init(label: Identifier?, value: Expression, range: SourceRange) {
    self.label = label
    self.value = value
    self.range = range
  }
}

/// A value written in the source.
public indirect enum ExpressionKind: Sendable {
  case integer(Int)
  case float(Double)
  case string(String)
  /// A bare name: `relu`, `out`, `accuracy`.
  case identifier(String)
  /// `3x3`, `2x2x2`: a dimension list.
  case dimensions([Int])
  /// `idx("path", split: "train")`, `Adam(lr: 0.001)`, or a layer written as an argument,
  /// `Bidirectional[LSTM[64]]`.
  case call(name: Identifier, arguments: [Argument])
  /// `1/255`, `2*16`, `-1`.
  case binary(op: BinaryOperator, lhs: Expression, rhs: Expression)
  case negate(Expression)
  /// `[1, 2, 3]` or a bare comma list after a train key (`metrics accuracy, loss`).
  case list([Expression])
}

public enum BinaryOperator: String, Sendable {
  case add = "+"
  case subtract = "-"
  case multiply = "*"
  case divide = "/"
}

public struct Expression: Sendable {
  public var kind: ExpressionKind
  public var range: SourceRange

  public init(_ kind: ExpressionKind, range: SourceRange) {
    self.kind = kind
    self.range = range
  }
}

/// The `train` section: `key value` lines (`batch 32`, `optimizer Adam(lr: 0.001)`).
public struct TrainSection: Sendable {
  /// The stage's name (`train pretrain`); nil for a file's single, unnamed section.
  public var name: Identifier?
  public var entries: [TrainEntry]
  public var range: SourceRange

  public init(entries: [TrainEntry], range: SourceRange) {
    self.entries = entries
    self.range = range
  }

  /// The entry for `key`, if written.
  public func entry(_ key: String) -> TrainEntry? {
    entries.first { $0.key.name == key }
  }
}

public struct TrainEntry: Sendable {
  public var key: Identifier
  public var value: Expression
  public var range: SourceRange

  public init(key: Identifier, value: Expression, range: SourceRange) {
    self.key = key
    self.value = value
    self.range = range
  }
}
