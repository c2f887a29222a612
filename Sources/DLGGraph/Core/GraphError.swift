/// Why a graph cannot be built as asked: a shape rule's complaint (mismatched shapes), or a
/// layer's (a bad dropout rate, a parameter to share that does not exist). Lowering turns it
/// into a diagnostic at the layer's line.
public struct GraphError: Error, Sendable, CustomStringConvertible {
  public var message: String
  /// Extra lines, typically the expected and the actual shape.
  public var notes: [String]
  public var help: String?

  public init(_ message: String, notes: [String] = [], help: String? = nil) {
    self.message = message
    self.notes = notes
    self.help = help
  }

  public var description: String { ([message] + notes).joined(separator: "\n") }
}
