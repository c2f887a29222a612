/// Every op type linked into the program, by its stable `opType`. Ops are compared by value
/// (CSE) and written as `{opType, attributes}` (`OpRecord`: `dlg compile --json`, and the
/// importers and exporters to come), and decoding looks the type up here. Each op file
/// registers its own types (see `Registration`).
public enum OpRegistry {
  private static let table = RegistryTable<any Operator.Type>()

  private static let byType: [String: any Operator.Type] = {
    var result: [String: any Operator.Type] = [:]
    for type in table.all {
      precondition(result[type.opType] == nil, "two ops registered as \(type.opType)")
      result[type.opType] = type
    }
    return result
  }()

  /// Registers op types; called from a file's `Registration`.
  public static func register(_ types: any Operator.Type...) {
    for type in types { table.add(type) }
  }

  /// The op type registered as `opType`, if any.
  public static func type(named opType: String) -> (any Operator.Type)? { byType[opType] }

  /// Every registered op type, sorted by `opType`.
  public static var all: [any Operator.Type] {
    byType.keys.sorted().map { byType[$0]! }
  }

  /// Whether ops of this type have a gradient (the others are gradients, metrics, updates).
  public static func isDifferentiable(_ type: any Operator.Type) -> Bool {
    !(type is any NonDifferentiable.Type)
  }

  /// The description of one op type, for documentation and tools.
  public static func describe(_ type: any Operator.Type) -> OpDescription {
    OpDescription(
      opType: type.opType, inputs: type.signature.inputs, outputs: type.signature.outputs,
      differentiable: isDifferentiable(type))
  }
}

/// What the registry tells of an op type without an instance.
public struct OpDescription: Sendable, Hashable, Codable {
  public var opType: String
  public var inputs: [String]
  public var outputs: [String]
  public var differentiable: Bool
}

/// An op with its type, so a node's op can be written to a file and read back: the JSON is
/// `{"opType": "Conv2D", "attributes": {...}}`, the attributes being the op's stored
/// properties.
public struct OpRecord: Codable, Sendable {
  public var op: any Operator

  public init(_ op: any Operator) { self.op = op }

  private enum Keys: String, CodingKey { case opType, attributes }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: Keys.self)
    try container.encode(op.opType, forKey: .opType)
    try container.encode(op, forKey: .attributes)
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: Keys.self)
    let opType = try container.decode(String.self, forKey: .opType)
    guard let type = OpRegistry.type(named: opType) else {
      throw DecodingError.dataCorruptedError(
        forKey: .opType, in: container, debugDescription: "unknown op type `\(opType)`")
    }
    op = try Self.decode(type, container)
    do {
      try op.validateAttributes()
    } catch {
      throw DecodingError.dataCorruptedError(
        forKey: .attributes, in: container, debugDescription: error.description)
    }
  }

  private static func decode<T: Operator>(_ type: T.Type, _ container: KeyedDecodingContainer<Keys>)
    throws -> any Operator
  {
    try container.decode(T.self, forKey: .attributes)
  }
}
