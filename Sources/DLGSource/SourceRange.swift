// Where things are in source text: the one vocabulary the language (diagnostics), the graph
// (each node remembers its layer's line) and tools (an editor's ranges) share.

/// A position in a source file: byte offset plus 1-based line and column.
public struct SourceLocation: Sendable, Hashable, Comparable {
  public var offset: Int
  public var line: Int
  public var column: Int

  public init(offset: Int, line: Int, column: Int) {
    self.offset = offset
    self.line = line
    self.column = column
  }

  public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
    lhs.offset < rhs.offset
  }
}

/// A half-open range of source text, `start..<end`, in one file.
public struct SourceRange: Sendable, Hashable {
  public var file: String
  public var start: SourceLocation
  public var end: SourceLocation

  public init(file: String, start: SourceLocation, end: SourceLocation) {
    self.file = file
    self.start = start
    self.end = end
  }

  /// `path:line:col`, the prefix every diagnostic starts with.
  public var description: String { "\(file):\(start.line):\(start.column)" }
}
