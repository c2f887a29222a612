/// A message about the user's input: what is wrong, where, and how to fix it.
public struct Diagnostic: Error, Sendable, CustomStringConvertible {
  public enum Severity: String, Sendable {
    case error
    case warning
    case note
  }

  public var severity: Severity
  /// A stable code such as `E101`, documented in docs/language.md.
  public var code: String
  public var message: String
  /// Where it is; nil for problems that have no place in a file (a missing file).
  public var range: SourceRange?
  /// A suggestion that would fix it ("did you mean `Dense`?"), printed as `help:`.
  public var help: String?
  /// Further lines printed as `note:`, such as both shapes in a mismatch.
  public var notes: [String]
  /// The text that replaces `range` to fix it, when the fix is that certain (the name a
  /// did-you-mean suggests): editors offer it as a quick fix.
  public var replacement: String?

  public init(
    _ severity: Severity = .error, code: String, _ message: String, at range: SourceRange?,
    help: String? = nil, notes: [String] = [], replacement: String? = nil
  ) {
    self.severity = severity
    self.code = code
    self.message = message
    self.range = range
    self.help = help
    self.notes = notes
    self.replacement = replacement
  }

  public var description: String {
    let place = range.map { "\($0.description): " } ?? ""
    return "\(place)\(severity.rawValue)[\(code)]: \(message)"
  }
}

/// Several diagnostics thrown together, so one run reports every independent error.
public struct DiagnosticList: Error, Sendable, CustomStringConvertible {
  public var diagnostics: [Diagnostic]

  public init(_ diagnostics: [Diagnostic]) {
    self.diagnostics = diagnostics
  }

  public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
