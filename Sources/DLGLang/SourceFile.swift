/// A `.dlg` (or Mermaid) source text with its path, and the line table used to turn byte
/// offsets into line:column positions for diagnostics.
public struct SourceFile: Sendable {
  /// The path as the user gave it; printed in diagnostics.
  public let path: String
  /// The full text of the file.
  public let text: String
  /// UTF-8 view of `text`, the unit in which offsets are counted.
  public let bytes: [UInt8]
  /// Byte offset at which each line starts; `lineStarts[0] == 0`.
  public let lineStarts: [Int]

  public init(path: String, text: String) {
    self.path = path
    // A UTF-8 byte-order mark (some Windows editors write one) is not part of the model.
    self.text = text.hasPrefix("\u{FEFF}") ? String(text.unicodeScalars.dropFirst()) : text
    self.bytes = Array(self.text.utf8)
    var starts = [0]
    for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
      starts.append(index + 1)
    }
    self.lineStarts = starts
  }

  /// The 1-based line and column (in Unicode scalars, so a caret lines up under CJK text
  /// counted as characters) of a byte offset.
  public func location(of offset: Int) -> SourceLocation {
    let clamped = max(0, min(offset, bytes.count))
    var low = 0
    var high = lineStarts.count - 1
    while low < high {
      let mid = (low + high + 1) / 2
      if lineStarts[mid] <= clamped { low = mid } else { high = mid - 1 }
    }
    let lineStart = lineStarts[low]
    let prefix = bytes[lineStart..<clamped]
    let column = String(decoding: prefix, as: UTF8.self).unicodeScalars.count + 1
    return SourceLocation(offset: clamped, line: low + 1, column: column)
  }

  /// The text of a 1-based line, without its newline.
  public func lineText(_ line: Int) -> String {
    guard line >= 1, line <= lineStarts.count else { return "" }
    let start = lineStarts[line - 1]
    var end = line < lineStarts.count ? lineStarts[line] : bytes.count
    while end > start, bytes[end - 1] == UInt8(ascii: "\n") || bytes[end - 1] == UInt8(ascii: "\r")
    {
      end -= 1
    }
    return String(decoding: bytes[start..<end], as: UTF8.self)
  }
}
