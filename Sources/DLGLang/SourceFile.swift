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
  /// For text that is not all ASCII: the Unicode scalars before every 64th byte, so a column
  /// is found in constant time, not by counting from the line's start (a 10⁵-node edge chain
  /// on one line made that quadratic). Empty for ASCII text, where columns are byte counts.
  private let scalarsBeforeBlock: [Int]
  private static let block = 64

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
    var before: [Int] = []
    if bytes.contains(where: { $0 >= 0x80 }) {
      before.reserveCapacity(bytes.count / Self.block + 1)
      var scalars = 0
      for (index, byte) in bytes.enumerated() {
        if index % Self.block == 0 { before.append(scalars) }
        if !Self.isContinuation(byte) { scalars += 1 }
      }
      if bytes.count % Self.block == 0 { before.append(scalars) }
    }
    self.scalarsBeforeBlock = before
  }

  /// Whether a UTF-8 byte continues a scalar (every other byte starts one).
  private static func isContinuation(_ byte: UInt8) -> Bool { byte & 0xC0 == 0x80 }

  /// The Unicode scalars that start before byte `offset`.
  private func scalars(before offset: Int) -> Int {
    guard !scalarsBeforeBlock.isEmpty else { return offset }
    let block = offset / Self.block
    var count = scalarsBeforeBlock[block]
    for index in block * Self.block..<offset where !Self.isContinuation(bytes[index]) {
      count += 1
    }
    return count
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
    let column = scalars(before: clamped) - scalars(before: lineStarts[low]) + 1
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
