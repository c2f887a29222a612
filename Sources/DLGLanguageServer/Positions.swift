import DLGLang
import DLGSource

/// An LSP position: a 0-based line and a 0-based offset in UTF-16 code units (the protocol's
/// default encoding), where dlg counts 1-based lines and Unicode-scalar columns.
public struct Position: Equatable, Sendable {
  public var line: Int
  public var character: Int

  public init(line: Int, character: Int) {
    self.line = line
    self.character = character
  }

  init?(json: Any?) {
    guard let object = json as? [String: Any], let line = object["line"] as? Int,
      let character = object["character"] as? Int
    else { return nil }
    self.init(line: line, character: character)
  }

  var json: [String: Any] { ["line": line, "character": character] }
}

extension SourceFile {
  /// The LSP position of a dlg location in this file.
  func position(of location: SourceLocation) -> Position {
    let line = max(0, min(location.line - 1, lineStarts.count - 1))
    // UTF-16 units from the line's start, counted on the bytes: one per scalar, two for the
    // scalars of four UTF-8 bytes (outside the Basic Multilingual Plane).
    let start = lineStarts[line]
    let end = max(start, min(location.offset, bytes.count))
    var units = 0
    for index in start..<end {
      let byte = bytes[index]
      if byte & 0xC0 != 0x80 { units += byte >= 0xF0 ? 2 : 1 }
    }
    return Position(line: line, character: units)
  }

  /// The byte offset of an LSP position (clamped into the line and the file).
  func offset(of position: Position) -> Int {
    guard position.line >= 0 else { return 0 }
    guard position.line < lineStarts.count else { return bytes.count }
    let text = lineText(position.line + 1)
    var units = 0
    var byte = lineStarts[position.line]
    for scalar in text.unicodeScalars {
      if units >= position.character { break }
      units += scalar.utf16.count
      byte += scalar.utf8.count
    }
    return byte
  }

  /// An LSP range as JSON.
  func rangeJSON(_ range: SourceRange) -> [String: Any] {
    ["start": position(of: range.start).json, "end": position(of: range.end).json]
  }
}

extension SourceRange {
  /// Whether a byte offset falls inside (the end included, where a cursor after a name is).
  func contains(offset: Int) -> Bool { start.offset <= offset && offset <= end.offset }
}
