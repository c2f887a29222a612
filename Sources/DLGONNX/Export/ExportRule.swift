import DLGGraph

/// How one dlg op becomes ONNX nodes: each rule lives in its own file under `Export/` and
/// registers itself, keyed by the op's `opType`, so exporting an op touches one file.
public struct ONNXExportRule: Sendable {
  /// The dlg op types the rule exports.
  public var opTypes: [String]
  /// Reads the node's inputs from the context, appends ONNX nodes, and defines its outputs.
  public var exportNode: @Sendable (Node, inout ExportContext) throws(ONNXError) -> Void

  public init(
    _ opTypes: [String],
    _ exportNode: @escaping @Sendable (Node, inout ExportContext) throws(ONNXError) -> Void
  ) {
    self.opTypes = opTypes
    self.exportNode = exportNode
  }
}

/// Every export rule linked into the program, by dlg op type.
public enum ONNXExportRules {
  private static let table = RegistryTable<ONNXExportRule>()

  private static let byOpType: [String: ONNXExportRule] = {
    var result: [String: ONNXExportRule] = [:]
    for rule in table.all {
      for opType in rule.opTypes {
        precondition(result[opType] == nil, "two ONNX export rules for \(opType)")
        result[opType] = rule
      }
    }
    return result
  }()

  public static func register(_ rule: ONNXExportRule) { table.add(rule) }

  public static func rule(for opType: String) -> ONNXExportRule? { byOpType[opType] }

  /// Every dlg op type that exports, sorted.
  public static var exportedOpTypes: [String] { byOpType.keys.sorted() }
}
