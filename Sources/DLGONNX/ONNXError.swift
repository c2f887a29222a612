/// What went wrong reading, importing or exporting an ONNX model, in words for the user: the
/// op, the node and the opset where there is one, and what would work instead.
public struct ONNXError: Error, Sendable, CustomStringConvertible {
  /// Why the model cannot be used.
  public enum Kind: Sendable {
    /// The file is not a well-formed ONNX model (truncated, a cycle, a missing input).
    case invalid
    /// A well-formed model uses an op, an attribute or a type dlg does not implement.
    case unsupported
  }

  public var kind: Kind
  public var message: String
  public var help: String?

  public init(_ message: String, kind: Kind = .invalid, help: String? = nil) {
    self.kind = kind
    self.message = message
    self.help = help
  }

  /// An op or attribute dlg does not implement.
  public static func unsupported(_ message: String, help: String? = nil) -> ONNXError {
    ONNXError(message, kind: .unsupported, help: help)
  }

  public var description: String {
    help.map { "\(message)\nhelp: \($0)" } ?? message
  }
}
