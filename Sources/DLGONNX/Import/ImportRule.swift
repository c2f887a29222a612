import DLGGraph

/// How one ONNX op (or a family of them) becomes dlg ops: each rule lives in its own file under
/// `Import/` and registers itself, so supporting an op touches one file.
///
/// ```swift
/// @used @section("dlg_registry")
/// private let registration: Registration = {
///   ONNXImportRules.register(ONNXImportRule(["Relu"]) { node, context throws(ONNXError) in ... })
/// }
/// ```
public struct ONNXImportRule: Sendable {
  /// The ONNX op types the rule imports.
  public var opTypes: [String]
  /// What the rule does not implement, for docs/onnx.md (`group > 1`).
  public var limits: String
  /// Reads `node`'s inputs from the context, appends dlg ops, and defines its outputs.
  public var importNode: @Sendable (ONNXNode, inout ImportContext) throws(ONNXError) -> Void

  public init(
    _ opTypes: [String], limits: String = "",
    _ importNode: @escaping @Sendable (ONNXNode, inout ImportContext) throws(ONNXError) -> Void
  ) {
    self.opTypes = opTypes
    self.limits = limits
    self.importNode = importNode
  }
}

/// Every import rule linked into the program, by ONNX op type.
public enum ONNXImportRules {
  private static let table = RegistryTable<ONNXImportRule>()

  private static let byOpType: [String: ONNXImportRule] = {
    var result: [String: ONNXImportRule] = [:]
    for rule in table.all {
      for opType in rule.opTypes {
        precondition(result[opType] == nil, "two ONNX import rules for \(opType)")
        result[opType] = rule
      }
    }
    return result
  }()

  /// Registers a rule; called from a file's `Registration`.
  public static func register(_ rule: ONNXImportRule) { table.add(rule) }

  /// The rule importing `opType`, if dlg supports it.
  public static func rule(for opType: String) -> ONNXImportRule? { byOpType[opType] }

  /// Every supported ONNX op type, sorted.
  public static var supportedOpTypes: [String] { byOpType.keys.sorted() }
}
