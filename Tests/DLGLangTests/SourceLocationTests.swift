import DLGLang
import Testing

@Suite struct SourceLocationTests {
  /// The column of every byte offset, counted the slow way: scalars from the line's start.
  static func expectedColumns(_ source: SourceFile) -> [Int] {
    (0...source.bytes.count).map { offset in
      let lineStart = source.bytes[..<offset].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
      return String(decoding: source.bytes[lineStart..<offset], as: UTF8.self).unicodeScalars
        .count + 1
    }
  }

  @Test(arguments: [
    "neuralnet\n  x: Input[8]\n",
    "  标题: Dense[8]  %% 中文注释\n  é --> ü\n" + String(repeating: "数据 x ", count: 40),
    String(repeating: "ab", count: 64) + "\n" + String(repeating: "€", count: 100),
  ])
  func columnsCountUnicodeScalars(_ text: String) {
    let source = SourceFile(path: "m.dlg", text: text)
    let expected = Self.expectedColumns(source)
    for offset in 0...source.bytes.count {
      #expect(source.location(of: offset).column == expected[offset], "offset \(offset)")
    }
  }

  @Test func aLongLineIsNotQuadratic() {
    // 200,000 names on one line: each location is found without counting the line again.
    let line = (0..<200_000).map { "n\($0)" }.joined(separator: " --> ")
    let source = SourceFile(path: "m.dlg", text: "é\n" + line)
    var total = 0
    for offset in stride(from: 0, to: source.bytes.count, by: 7) {
      total &+= source.location(of: offset).column
    }
    #expect(source.location(of: source.bytes.count).column == line.unicodeScalars.count + 1)
    #expect(total > 0)
  }
}
