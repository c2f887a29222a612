/// Splits source text into tokens. Never fails: problems become diagnostics and lexing goes on
/// with the next character, so one bad character cannot hide the rest of the file's errors.
struct Lexer {
  let bytes: [UInt8]
  var position = 0
  var diagnostics: [(code: String, message: String, start: Int, end: Int, help: String?)] = []

  init(_ bytes: [UInt8]) { self.bytes = bytes }

  mutating func tokenize() -> [Token] {
    var tokens: [Token] = []
    while let token = next() { tokens.append(token) }
    tokens.append(Token(kind: .end, start: bytes.count, end: bytes.count))
    return tokens
  }

  private func peek(_ offset: Int = 0) -> UInt8? {
    position + offset < bytes.count ? bytes[position + offset] : nil
  }

  private mutating func next() -> Token? {
    while let c = peek() {
      let start = position
      switch c {
      case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
        position += 1
      case UInt8(ascii: "\n"):
        position += 1
        return Token(kind: .newline, start: start, end: position)
      case UInt8(ascii: "%") where peek(1) == UInt8(ascii: "%"):
        while let d = peek(), d != UInt8(ascii: "\n") { position += 1 }
      case UInt8(ascii: "-") where peek(1) == UInt8(ascii: "-") && peek(2) == UInt8(ascii: ">"):
        position += 3
        return Token(kind: .arrow, start: start, end: position)
      case UInt8(ascii: "-") where peek(1) == UInt8(ascii: "-"):
        // `--->`, `---->`: Mermaid's longer arrows.
        var length = 1
        while peek(length) == UInt8(ascii: "-") { length += 1 }
        if peek(length) == UInt8(ascii: ">") {
          position += length + 1
          return Token(kind: .arrow, start: start, end: position)
        }
        position += 1
        return Token(kind: .minus, start: start, end: position)
      case UInt8(ascii: "\""):
        return string(start)
      case UInt8(ascii: "0")...UInt8(ascii: "9"):
        return number(start)
      case UInt8(ascii: ".") where (peek(1).map { $0 >= 48 && $0 <= 57 } ?? false):
        return number(start)
      default:
        if let kind = Self.punctuation[c] {
          position += 1
          return Token(kind: kind, start: start, end: position)
        }
        if let name = identifier() {
          return Token(kind: .identifier(name), start: start, end: position)
        }
        let length = max(1, Self.scalarLength(c))
        position = min(bytes.count, position + length)
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        diagnostics.append(
          (
            DiagnosticCode.invalidCharacter, "unexpected character `\(text)`", start, position,
            "remove it; names use letters, digits and `_`"
          ))
      }
    }
    return nil
  }

  static let punctuation: [UInt8: TokenKind] = [
    UInt8(ascii: ":"): .colon, UInt8(ascii: ","): .comma, UInt8(ascii: "&"): .ampersand,
    UInt8(ascii: "["): .leftBracket, UInt8(ascii: "]"): .rightBracket,
    UInt8(ascii: "("): .leftParen, UInt8(ascii: ")"): .rightParen,
    UInt8(ascii: "+"): .plus, UInt8(ascii: "-"): .minus, UInt8(ascii: "*"): .star,
    UInt8(ascii: "/"): .slash, UInt8(ascii: "="): .equals,
  ]

  /// Bytes in the UTF-8 sequence a lead byte starts.
  static func scalarLength(_ lead: UInt8) -> Int {
    switch lead {
    case 0xF0...: 4
    case 0xE0...: 3
    case 0xC0...: 2
    default: 1
    }
  }

  /// A name: Unicode letters, digits and `_`, not starting with a digit.
  private mutating func identifier() -> String? {
    let start = position
    while position < bytes.count {
      let byte = bytes[position]
      if byte < 0x80 {
        // ASCII fast path: most names are plain English.
        let isLetter = (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
        let isDigit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
        guard isLetter || byte == UInt8(ascii: "_") || (isDigit && position > start) else { break }
        position += 1
        continue
      }
      let length = Self.scalarLength(byte)
      guard position + length <= bytes.count else { break }
      let text = String(decoding: bytes[position..<position + length], as: UTF8.self)
      guard let scalar = text.unicodeScalars.first, text.unicodeScalars.count == 1 else { break }
      let isDigit = scalar.properties.numericType != nil && scalar.isASCII
      let ok =
        scalar == "_" || scalar.properties.isAlphabetic || (isDigit && position > start)
      guard ok else { break }
      position += length
    }
    return position > start ? String(decoding: bytes[start..<position], as: UTF8.self) : nil
  }

  private mutating func digits() -> Int {
    let start = position
    while let c = peek(), c >= 48, c <= 57 { position += 1 }
    return position - start
  }

  private mutating func number(_ start: Int) -> Token {
    _ = digits()
    var isFloat = false
    // `3x3`: dimensions. Only when a digit follows the x, so `3 x` is not dimensions.
    if peek() == UInt8(ascii: "x"), let d = peek(1), d >= 48, d <= 57 {
      var values: [Int] = []
      var partStart = start
      while true {
        values.append(integer(partStart, position))
        guard peek() == UInt8(ascii: "x"), let d = peek(1), d >= 48, d <= 57 else { break }
        position += 1
        partStart = position
        _ = digits()
      }
      return Token(kind: .dimensions(values), start: start, end: position)
    }
    if peek() == UInt8(ascii: "."), let d = peek(1), d >= 48, d <= 57 {
      position += 1
      _ = digits()
      isFloat = true
    } else if peek() == UInt8(ascii: "."), position == start {
      position += 1
      _ = digits()
      isFloat = true
    }
    if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
      let save = position
      position += 1
      if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { position += 1 }
      if digits() > 0 { isFloat = true } else { position = save }
    }
    if isFloat {
      let text = String(decoding: bytes[start..<position], as: UTF8.self)
      return Token(kind: .float(Double(text) ?? 0), start: start, end: position)
    }
    return Token(kind: .integer(integer(start, position)), start: start, end: position)
  }

  /// The decimal integer in `start..<end`, or 0 with a diagnostic if it overflows.
  private mutating func integer(_ start: Int, _ end: Int) -> Int {
    var value = 0
    for byte in bytes[start..<end] {
      let (times, o1) = value.multipliedReportingOverflow(by: 10)
      let (plus, o2) = times.addingReportingOverflow(Int(byte) - 48)
      if o1 || o2 {
        diagnostics.append(
          (
            DiagnosticCode.numberTooLarge, "this number is too large", start, end,
            "integers must be below 2^63"
          ))
        return 0
      }
      value = plus
    }
    return value
  }

  private mutating func string(_ start: Int) -> Token {
    position += 1
    var value: [UInt8] = []
    while let c = peek(), c != UInt8(ascii: "\n") {
      position += 1
      if c == UInt8(ascii: "\"") {
        return Token(
          kind: .string(String(decoding: value, as: UTF8.self)), start: start, end: position)
      }
      if c == UInt8(ascii: "\\"), let escaped = peek() {
        position += 1
        switch escaped {
        case UInt8(ascii: "n"): value.append(UInt8(ascii: "\n"))
        case UInt8(ascii: "t"): value.append(UInt8(ascii: "\t"))
        default: value.append(escaped)
        }
      } else {
        value.append(c)
      }
    }
    diagnostics.append(
      (
        DiagnosticCode.unterminatedString, "this string has no closing quote", start, position,
        "add `\"` at the end of the string"
      ))
    return Token(kind: .string(String(decoding: value, as: UTF8.self)), start: start, end: position)
  }
}
