/// The smallest pieces of a `.dlg` line.
public enum TokenKind: Sendable, Equatable {
  case identifier(String)
  case integer(Int)
  case float(Double)
  case dimensions([Int])
  case string(String)
  /// `-->` (Mermaid's arrow; longer arrows `--->` are accepted too).
  case arrow
  case colon, comma, ampersand
  case leftBracket, rightBracket, leftParen, rightParen
  case plus, minus, star, slash, equals
  case newline
  case end
}

/// A token and the byte range it covers.
public struct Token: Sendable {
  public var kind: TokenKind
  public var start: Int
  public var end: Int
}

extension TokenKind {
  /// How the token is named in "expected X, found Y" messages.
  var spelling: String {
    switch self {
    case .identifier(let name): "`\(name)`"
    case .integer(let n): "`\(n)`"
    case .float(let x): "`\(x)`"
    case .dimensions(let d): "`\(d.map(String.init).joined(separator: "x"))`"
    case .string: "a string"
    case .arrow: "`-->`"
    case .colon: "`:`"
    case .comma: "`,`"
    case .ampersand: "`&`"
    case .leftBracket: "`[`"
    case .rightBracket: "`]`"
    case .leftParen: "`(`"
    case .rightParen: "`)`"
    case .plus: "`+`"
    case .minus: "`-`"
    case .star: "`*`"
    case .slash: "`/`"
    case .equals: "`=`"
    case .newline: "the end of the line"
    case .end: "the end of the file"
    }
  }
}
