/// A parsed JSON document, for request bodies. The parser is small and strict (RFC 8259, no
/// extensions), bounded in depth so that no body can exhaust the stack, and says where a
/// document goes wrong by line and column.
public indirect enum JSONValue: Equatable, Sendable {
  case object([(key: String, value: JSONValue)])
  case array([JSONValue])
  case string(String)
  case number(Double)
  case bool(Bool)
  case null

  public static func == (a: JSONValue, b: JSONValue) -> Bool {
    switch (a, b) {
    case (.object(let x), .object(let y)):
      x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    case (.array(let x), .array(let y)): x == y
    case (.string(let x), .string(let y)): x == y
    case (.number(let x), .number(let y)): x == y
    case (.bool(let x), .bool(let y)): x == y
    case (.null, .null): true
    default: false
    }
  }

  /// The value of `key` in an object.
  public subscript(key: String) -> JSONValue? {
    guard case .object(let fields) = self else { return nil }
    return fields.first { $0.key == key }?.value
  }

  /// What the value is, for messages: "an array", "a string", ...
  public var kindName: String {
    switch self {
    case .object: "an object"
    case .array: "an array"
    case .string: "a string"
    case .number: "a number"
    case .bool: "a boolean"
    case .null: "null"
    }
  }

  /// The deepest nesting of arrays and objects a document may have.
  public static let maximumDepth = 64

  /// Parses a whole document; the message of a failure names the line and column. A document
  /// of more than `maximumValues` values (numbers, strings, arrays, ...) is refused as it is
  /// read (`isTooLarge`): a value takes some 40 bytes of memory against its 2 of text.
  public static func parse(_ bytes: [UInt8], maximumValues: Int = .max) throws(JSONParseError)
    -> JSONValue
  {
    var parser = JSONParser(bytes: bytes, budget: maximumValues)
    parser.skipWhitespace()
    let value = try parser.value(depth: 0)
    parser.skipWhitespace()
    guard parser.offset == bytes.count else {
      throw parser.error("unexpected text after the JSON value")
    }
    return value
  }
}

/// Why a body is not JSON, and where.
public struct JSONParseError: Error, Equatable, Sendable {
  public var message: String
  /// True when the document is JSON so far but holds more values than allowed.
  public var isTooLarge = false
}

private struct JSONParser {
  let bytes: [UInt8]
  var offset = 0
  /// The values the document may still hold.
  var budget: Int

  init(bytes: [UInt8], budget: Int) {
    self.bytes = bytes
    self.budget = budget
  }

  func error(_ message: String) -> JSONParseError {
    var (line, column) = (1, 1)
    for byte in bytes[..<min(offset, bytes.count)] {
      if byte == UInt8(ascii: "\n") {
        (line, column) = (line + 1, 1)
      } else if byte & 0xC0 != 0x80 {
        column += 1
      }
    }
    return JSONParseError(message: "line \(line), column \(column): \(message)")
  }

  var current: UInt8? { offset < bytes.count ? bytes[offset] : nil }

  mutating func skipWhitespace() {
    while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
      offset += 1
    }
  }

  mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
    guard let byte = current else { throw error("the JSON ends where a value was expected") }
    budget -= 1
    guard budget >= 0 else {
      var tooLarge = error("the document holds more values than a request may")
      tooLarge.isTooLarge = true
      throw tooLarge
    }
    switch byte {
    case UInt8(ascii: "{"):
      guard depth < JSONValue.maximumDepth else {
        throw error("nested deeper than \(JSONValue.maximumDepth) levels")
      }
      return try object(depth: depth + 1)
    case UInt8(ascii: "["):
      guard depth < JSONValue.maximumDepth else {
        throw error("nested deeper than \(JSONValue.maximumDepth) levels")
      }
      return try array(depth: depth + 1)
    case UInt8(ascii: "\""): return .string(try string())
    case UInt8(ascii: "t"):
      try literal("true")
      return .bool(true)
    case UInt8(ascii: "f"):
      try literal("false")
      return .bool(false)
    case UInt8(ascii: "n"):
      try literal("null")
      return .null
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
    default: throw error("expected a JSON value, found '\(Unicode.Scalar(byte))'")
    }
  }

  mutating func literal(_ word: String) throws(JSONParseError) {
    let expected = Array(word.utf8)
    guard offset + expected.count <= bytes.count,
      bytes[offset..<offset + expected.count].elementsEqual(expected)
    else { throw error("expected a JSON value") }
    offset += expected.count
  }

  mutating func object(depth: Int) throws(JSONParseError) -> JSONValue {
    offset += 1
    var fields: [(key: String, value: JSONValue)] = []
    skipWhitespace()
    if current == UInt8(ascii: "}") {
      offset += 1
      return .object(fields)
    }
    while true {
      skipWhitespace()
      guard current == UInt8(ascii: "\"") else { throw error("expected a quoted key") }
      let key = try string()
      skipWhitespace()
      guard current == UInt8(ascii: ":") else { throw error("expected ':' after the key") }
      offset += 1
      skipWhitespace()
      fields.append((key, try value(depth: depth)))
      skipWhitespace()
      switch current {
      case UInt8(ascii: ","): offset += 1
      case UInt8(ascii: "}"):
        offset += 1
        return .object(fields)
      default: throw error("expected ',' or '}' in the object")
      }
    }
  }

  mutating func array(depth: Int) throws(JSONParseError) -> JSONValue {
    offset += 1
    var elements: [JSONValue] = []
    skipWhitespace()
    if current == UInt8(ascii: "]") {
      offset += 1
      return .array(elements)
    }
    while true {
      skipWhitespace()
      elements.append(try value(depth: depth))
      skipWhitespace()
      switch current {
      case UInt8(ascii: ","): offset += 1
      case UInt8(ascii: "]"):
        offset += 1
        return .array(elements)
      default: throw error("expected ',' or ']' in the array")
      }
    }
  }

  mutating func number() throws(JSONParseError) -> Double {
    let start = offset
    // The digits as one integer, for the fast path: a number without an exponent whose
    // digits fit in 2^53 is that integer over a power of ten (both exact, so the quotient is
    // the correctly rounded value, as Double(text) gives). Anything else goes through text.
    var mantissa: UInt64 = 0
    var exact = true
    var fractionDigits = 0
    func digits(_ parser: inout JSONParser, fraction: Bool) -> Int {
      var count = 0
      while let byte = parser.current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
        parser.offset += 1
        count += 1
        if mantissa < 1 << 49 {
          mantissa = mantissa * 10 + UInt64(byte - UInt8(ascii: "0"))
          if fraction { fractionDigits += 1 }
        } else {
          exact = false
        }
      }
      return count
    }
    let negative = current == UInt8(ascii: "-")
    if negative { offset += 1 }
    if current == UInt8(ascii: "0") {
      offset += 1
    } else if digits(&self, fraction: false) == 0 {
      throw error("expected digits in the number")
    }
    if current == UInt8(ascii: ".") {
      offset += 1
      guard digits(&self, fraction: true) > 0 else {
        throw error("expected digits after the decimal point")
      }
    }
    if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
      exact = false
      offset += 1
      if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { offset += 1 }
      guard digits(&self, fraction: false) > 0 else {
        throw error("expected digits in the exponent")
      }
    }
    if exact && fractionDigits < Self.powersOfTen.count {
      let value = Double(mantissa) / Self.powersOfTen[fractionDigits]
      return negative ? -value : value
    }
    let text = String(decoding: bytes[start..<offset], as: UTF8.self)
    guard let value = Double(text) else { throw error("'\(text)' is not a number") }
    return value
  }

  /// 10⁰ … 10²², every one exact in a Double.
  static let powersOfTen: [Double] = (0...22).map { exponent in
    (0..<exponent).reduce(1.0) { value, _ in value * 10 }
  }

  mutating func string() throws(JSONParseError) -> String {
    offset += 1
    var scalars = String.UnicodeScalarView()
    var run = offset
    func flush(_ parser: JSONParser, to end: Int) throws(JSONParseError) {
      guard run < end else { return }
      guard let text = String(validating: parser.bytes[run..<end], as: UTF8.self) else {
        throw parser.error("the string is not valid UTF-8")
      }
      scalars.append(contentsOf: text.unicodeScalars)
    }
    while true {
      guard let byte = current else { throw error("the string has no closing quote") }
      switch byte {
      case UInt8(ascii: "\""):
        try flush(self, to: offset)
        offset += 1
        return String(scalars)
      case UInt8(ascii: "\\"):
        try flush(self, to: offset)
        offset += 1
        scalars.append(try escape())
        run = offset
      case 0..<0x20:
        throw error("a control character in a string must be escaped")
      default:
        offset += 1
      }
    }
  }

  /// The character after a backslash (the backslash already read).
  mutating func escape() throws(JSONParseError) -> Unicode.Scalar {
    guard let byte = current else { throw error("the string has no closing quote") }
    offset += 1
    switch byte {
    case UInt8(ascii: "\""): return "\""
    case UInt8(ascii: "\\"): return "\\"
    case UInt8(ascii: "/"): return "/"
    case UInt8(ascii: "b"): return "\u{8}"
    case UInt8(ascii: "f"): return "\u{C}"
    case UInt8(ascii: "n"): return "\n"
    case UInt8(ascii: "r"): return "\r"
    case UInt8(ascii: "t"): return "\t"
    case UInt8(ascii: "u"):
      let high = try hex4()
      if (0xD800..<0xDC00).contains(high) {
        guard current == UInt8(ascii: "\\"), offset + 1 < bytes.count,
          bytes[offset + 1] == UInt8(ascii: "u")
        else { throw error("a lone surrogate in \\u escape") }
        offset += 2
        let low = try hex4()
        guard (0xDC00..<0xE000).contains(low),
          let scalar = Unicode.Scalar(0x10000 + (high - 0xD800) << 10 + (low - 0xDC00))
        else { throw error("a lone surrogate in \\u escape") }
        return scalar
      }
      guard let scalar = Unicode.Scalar(high) else { throw error("a lone surrogate in \\u escape") }
      return scalar
    default: throw error("unknown escape '\\\(Unicode.Scalar(byte))'")
    }
  }

  /// Four hex digits, exactly: `UInt32(_:radix:)` would also take a sign (`\\u+04A`).
  mutating func hex4() throws(JSONParseError) -> UInt32 {
    guard offset + 4 <= bytes.count else { throw error("expected four hex digits after \\u") }
    var value: UInt32 = 0
    for byte in bytes[offset..<offset + 4] {
      let digit: UInt8
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
      default: throw error("expected four hex digits after \\u")
      }
      value = value << 4 | UInt32(digit)
    }
    offset += 4
    return value
  }
}
