/// `dlg fmt`: the canonical layout of a `.dlg` file. Line by line, since the language is: each
/// statement keeps its line and its comment; indentation, spacing and alignment are rewritten.
/// Section headers start at column 0 and their contents are indented by two spaces; layer ids
/// and train settings are aligned so the types and values form a column; runs of blank lines
/// become one. Formatting a formatted file changes nothing.
public enum Formatter {
  /// The formatted text, or nil when the file has syntax errors (fix those first).
  public static func format(_ source: SourceFile) -> String? {
    guard !Parser.parse(source).diagnostics.contains(where: { $0.severity == .error }) else {
      return nil
    }
    var lexer = Lexer(source.bytes)
    let tokens = lexer.tokenize()
    var lines = Array(repeating: [Token](), count: source.lineStarts.count)
    for token in tokens where token.kind != .newline && token.kind != .end {
      lines[source.location(of: token.start).line - 1].append(token)
    }
    // A `train` section lasts until the next section header; there `key [a, b]` is a setting
    // with a list value, not a layer with arguments.
    var inTrain = false
    var rendered: [Line] = []
    for index in lines.indices {
      let line = Line(source: source, number: index + 1, tokens: lines[index], inTrain: inTrain)
      if line.opensSection { inTrain = line.entersTrain }
      rendered.append(line)
    }
    return layout(rendered)
  }

  /// One source line, classified.
  struct Line {
    enum Kind { case blank, comment, header, title, layer, setting, other }
    var kind: Kind
    var head: String = ""
    var body: String = ""
    var comment: String?
    var opensSection = false
    var closesBlock = false
    var entersTrain = false

    init(source: SourceFile, number: Int, tokens: [Token], inTrain: Bool = false) {
      let text = source.lineText(number)
      comment = Line.comment(in: text)
      guard let first = tokens.first else {
        kind = comment == nil ? .blank : .comment
        return
      }
      let spelling = { (token: Token) in
        String(decoding: source.bytes[token.start..<token.end], as: UTF8.self)
      }
      let word: String? = if case .identifier(let name) = first.kind { name } else { nil }
      let followedByColon = tokens.count > 1 && tokens[1].kind == .colon
      if let word, !followedByColon,
        ["neuralnet", "train", "block", "end", "import", "let"].contains(word)
      {
        kind = .header
        body = Line.join(tokens, spelling, layerLine: false)
        opensSection = !["import", "end", "let"].contains(word)
        closesBlock = word == "end"
        entersTrain = word == "train"
      } else if let word, !followedByColon, !inTrain,
        tokens.count < 2 || (tokens[1].kind != .arrow && tokens[1].kind != .ampersand),
        MermaidStyle.statements.contains(word)
      {
        // Mermaid styling, which the model parser skips: kept as written (its colours are
        // not tokens of the language), only re-indented; the comment is kept apart as usual.
        kind = .other
        var statement = text.trimmingSpaces()
        if let comment, statement.hasSuffix(comment) {
          statement = String(statement.dropLast(comment.count)).trimmingSpaces()
        }
        body = statement
      } else if word == "title", !followedByColon {
        kind = .title
        let start = tokens.count > 1 ? tokens[1].start : first.end
        let end = tokens.last!.end
        body =
          "title " + (start < end ? String(decoding: source.bytes[start..<end], as: UTF8.self) : "")
      } else if followedByColon, tokens.count > 2, word != nil {
        kind = .layer
        head = spelling(first) + ":"
        body = Line.join(Array(tokens.dropFirst(2)), spelling, layerLine: true)
      } else if word != nil, tokens.count > 1, !tokens.contains(where: { $0.kind == .arrow }),
        inTrain || !(tokens[1].kind == .leftBracket), !(tokens[1].kind == .star)
      {
        kind = .setting
        head = spelling(first)
        body = Line.join(Array(tokens.dropFirst()), spelling, layerLine: false)
      } else {
        kind = .other
        body = Line.join(tokens, spelling, layerLine: true)
      }
    }

    /// The `%% ...` part of a line, outside strings.
    static func comment(in text: String) -> String? {
      var inString = false
      var previous: Character = " "
      var index = text.startIndex
      while index < text.endIndex {
        let character = text[index]
        if character == "\"", previous != "\\" { inString.toggle() }
        if !inString, character == "%", text[index...].hasPrefix("%%") {
          return String(text[index...]).trimmingSpaces()
        }
        previous = character
        index = text.index(after: index)
      }
      return nil
    }

    /// Tokens with canonical spacing.
    static func join(_ tokens: [Token], _ spelling: (Token) -> String, layerLine: Bool) -> String {
      var out = ""
      var depth = 0
      for (index, token) in tokens.enumerated() {
        let text = spelling(token)
        if index > 0
          && space(between: tokens[index - 1], and: token, depth: depth, layerLine: layerLine)
        {
          out += " "
        }
        out += text
        switch token.kind {
        case .leftBracket, .leftParen: depth += 1
        case .rightBracket, .rightParen: depth -= 1
        default: break
        }
      }
      return out
    }

    static func space(between a: Token, and b: Token, depth: Int, layerLine: Bool) -> Bool {
      switch (a.kind, b.kind) {
      case (_, .comma), (_, .rightBracket), (_, .rightParen), (_, .colon): return false
      case (.leftBracket, _), (.leftParen, _): return false
      case (.identifier, .leftBracket), (.identifier, .leftParen): return false
      case (.arrow, _), (_, .arrow), (.ampersand, _), (_, .ampersand): return true
      case (.star, _), (_, .star):
        // `Layer[...] * 3` repeats a layer; inside brackets `*` is arithmetic.
        return depth == 0 && layerLine
      case (.plus, _), (_, .plus), (.slash, _), (_, .slash): return false
      case (.equals, _), (_, .equals): return true
      case (_, .minus): return !(depth > 0 && isOperand(a.kind))
      case (.minus, _): return false
      default: return true
      }
    }

    static func isOperand(_ kind: TokenKind) -> Bool {
      switch kind {
      case .identifier, .integer, .float, .dimensions, .string, .rightParen, .rightBracket: true
      default: false
      }
    }
  }

  /// Indentation, alignment and blank lines.
  static func layout(_ lines: [Line]) -> String {
    // Alignment widths per section: ids of layer lines, keys of settings.
    var idWidth: [Int: Int] = [:]
    var keyWidth: [Int: Int] = [:]
    var section = 0
    var sectionOf: [Int] = []
    for line in lines {
      if line.kind == .header, line.opensSection || line.closesBlock { section += 1 }
      sectionOf.append(section)
      switch line.kind {
      case .layer: idWidth[section] = max(idWidth[section] ?? 0, displayWidth(line.head))
      case .setting: keyWidth[section] = max(keyWidth[section] ?? 0, displayWidth(line.head))
      default: break
      }
    }
    var output: [String] = []
    var indent = ""
    var pendingBlank = false
    for (index, line) in lines.enumerated() {
      var text: String
      switch line.kind {
      case .blank:
        // Runs of blank lines become one; none at the start of the file.
        pendingBlank = !output.isEmpty
        continue
      case .header:
        text = line.body
        indent = line.opensSection ? "  " : ""
      case .comment:
        text = indent + (line.comment ?? "")
      case .layer:
        let width = idWidth[sectionOf[index]] ?? 0
        text =
          indent + line.head + String(repeating: " ", count: width - displayWidth(line.head) + 1)
          + line.body
      case .setting:
        let width = keyWidth[sectionOf[index]] ?? 0
        text =
          indent + line.head + String(repeating: " ", count: width - displayWidth(line.head) + 1)
          + line.body
      case .title, .other:
        text = indent + line.body
      }
      if line.kind != .comment, let comment = line.comment { text += "  " + comment }
      if pendingBlank { output.append("") }
      pendingBlank = false
      output.append(text)
    }
    return output.joined(separator: "\n") + "\n"
  }
}
