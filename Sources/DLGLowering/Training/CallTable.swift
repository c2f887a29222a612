import DLGGraph
import DLGLang

/// One entry of a train-section table (an optimizer, a learning-rate schedule): the call it
/// answers to, its parameters (checked by the `ArgumentBinder`, as a layer's are), and what it
/// makes of the bound arguments.
public struct TrainingCall<Value: Sendable>: Sendable {
  public var signature: CallSignature
  /// One line for documentation and an editor's hover.
  public var summary: String
  /// Makes the value from the bound arguments and the call's place in the file.
  public var make: @Sendable (BoundArguments, SourceRange) -> Value

  public init(
    _ name: String, parameters: [ParameterSpec], summary: String,
    make: @escaping @Sendable (BoundArguments, SourceRange) -> Value
  ) {
    signature = CallSignature(name: name, parameters: parameters, parenthesized: true)
    self.summary = summary
    self.make = make
  }
}

/// The entries of one kind, each registered from its own file.
public final class TrainingCallTable<Value: Sendable>: Sendable {
  private let table = RegistryTable<TrainingCall<Value>>()
  /// What the table holds, for messages (`optimizer`, `learning-rate schedule`).
  public let kind: String

  public init(kind: String) { self.kind = kind }

  /// Registers entries; called from a file's `Registration`.
  public func register(_ entries: TrainingCall<Value>...) {
    for entry in entries { table.add(entry) }
  }

  /// Every entry's name, sorted.
  public var names: [String] { table.all.map(\.signature.name).sorted() }

  /// The entry called `name`.
  public func entry(named name: String) -> TrainingCall<Value>? {
    let matches = table.all.filter { $0.signature.name == name }
    precondition(matches.count <= 1, "two \(kind) entries are called \(name)")
    return matches.first
  }

  /// Looks up and binds `expression` (`name` or `name(arguments)`); `code` is the diagnostic
  /// code for an unknown name or a value that is not a call.
  func lower(_ expression: Expression, code: String, into diagnostics: inout [Diagnostic])
    -> Value?
  {
    let (name, arguments): (Identifier, [Argument])
    switch expression.kind {
    case .identifier(let id):
      (name, arguments) = (Identifier(name: id, range: expression.range), [])
    case .call(let callee, let written): (name, arguments) = (callee, written)
    default:
      diagnostics.append(
        Diagnostic(
          code: code, "the \(kind) must be one of: " + names.joined(separator: ", "),
          at: expression.range))
      return nil
    }
    guard let entry = entry(named: name.name) else {
      diagnostics.append(
        Diagnostic(
          code: code, "unknown \(kind) `\(name.name)`", at: name.range,
          help: closestMatch(to: name.name, among: names).map { "did you mean `\($0)`?" }
            ?? "available: " + names.joined(separator: ", ")))
      return nil
    }
    let (bound, errors) = ArgumentBinder.bind(arguments, at: expression.range, to: entry.signature)
    diagnostics += errors
    return errors.isEmpty ? entry.make(bound, expression.range) : nil
  }
}
