/// The result of parsing: a syntax tree (as complete as the errors allow) and every problem.
public struct ParseResult: Sendable {
  public var model: ModelFile
  public var diagnostics: [Diagnostic]
}

/// Parses `.dlg` files. Line-oriented: each line is one statement, so after an error the
/// parser resumes at the next line and reports independent errors together. It never traps:
/// nesting is capped, numbers are range-checked, and every loop consumes a token.
public enum Parser {
  /// Brackets and parentheses may nest this deep.
  public static let maximumDepth = 64

  public static func parse(_ source: SourceFile) -> ParseResult {
    var lexer = Lexer(source.bytes)
    let tokens = lexer.tokenize()
    var state = ParserState(source: source, tokens: tokens)
    for problem in lexer.diagnostics {
      state.error(problem.code, problem.message, problem.start, problem.end, help: problem.help)
    }
    state.parseFile()
    // A skipped styling line's colours (`#f96`) are not characters of the language.
    state.diagnostics.removeAll { diagnostic in
      diagnostic.code == DiagnosticCode.invalidCharacter
        && state.skippedStyling.contains(diagnostic.range?.start.line ?? 0)
    }
    if let open = state.openBlock {
      state.diagnostics.append(
        Diagnostic(
          code: DiagnosticCode.unclosedBlock, "block `\(open.name.name)` has no `end`",
          at: open.range, help: "add a line `end` after its last layer"))
      state.blocks.append(open)
    }
    var model = ModelFile(
      source: source, network: state.network, train: nil, blocks: state.blocks)
    model.trains = state.trains
    model.imports = state.imports
    model.constants = state.constants
    return ParseResult(model: model, diagnostics: state.diagnostics)
  }
}

/// A parse error inside a line; the line is abandoned.
struct LineError: Error {}

struct ParserState {
  let source: SourceFile
  let tokens: [Token]
  var index = 0
  var diagnostics: [Diagnostic] = []
  /// Lines of Mermaid styling skipped in a network (`classDef`, `style`, ...).
  var skippedStyling: Set<Int> = []
  var network: NetworkSection?
  /// Train sections in order; the one being read is the last.
  var trains: [TrainSection] = []
  var blocks: [BlockDecl] = []
  var imports: [ImportDecl] = []
  var constants: [ConstantDecl] = []
  /// The block being declared, between `block` and `end`.
  var openBlock: BlockDecl?
  private var section: Section = .none
  private var depth = 0

  private enum Section { case none, network, train, block }

  init(source: SourceFile, tokens: [Token]) {
    self.source = source
    self.tokens = tokens
  }

  // MARK: Tokens and ranges

  var current: Token { tokens[index] }
  func peekKind(_ offset: Int = 1) -> TokenKind {
    index + offset < tokens.count ? tokens[index + offset].kind : .end
  }
  var atLineEnd: Bool { current.kind == .newline || current.kind == .end }

  mutating func advance() -> Token {
    let token = tokens[index]
    if index < tokens.count - 1 { index += 1 }
    return token
  }

  func range(_ start: Int, _ end: Int) -> SourceRange {
    SourceRange(file: source.path, start: source.location(of: start), end: source.location(of: end))
  }

  func range(of token: Token) -> SourceRange { range(token.start, token.end) }

  mutating func error(
    _ code: String, _ message: String, _ start: Int, _ end: Int, help: String? = nil
  ) {
    diagnostics.append(Diagnostic(code: code, message, at: range(start, end), help: help))
  }

  /// Reports an error at the current token and abandons the line.
  mutating func fail(_ code: String, _ message: String, help: String? = nil) -> LineError {
    let token = current
    error(code, message, token.start, max(token.end, token.start + 1), help: help)
    return LineError()
  }

  mutating func skipToNextLine() {
    while !atLineEnd { _ = advance() }
    if current.kind == .newline { _ = advance() }
  }

  // MARK: File and sections

  mutating func parseFile() {
    while current.kind != .end {
      if current.kind == .newline {
        _ = advance()
        continue
      }
      do {
        try parseLine()
        if !atLineEnd {
          throw fail(
            DiagnosticCode.unexpectedToken,
            "unexpected \(current.kind.spelling) after the end of the statement",
            help: "put each statement on its own line")
        }
      } catch {}
      skipToNextLine()
    }
    if network == nil, trains.isEmpty, blocks.isEmpty, openBlock == nil, imports.isEmpty,
      constants.isEmpty
    {
      diagnostics.append(
        Diagnostic(
          code: DiagnosticCode.emptyFile, "the file has no `neuralnet` section",
          at: range(0, 0), help: "start the model with a line `neuralnet`, then its layers"))
    }
  }

  private mutating func parseLine() throws(LineError) {
    let first = current
    if case .identifier(let word) = first.kind, peekKind() != .colon {
      switch word {
      case "neuralnet":
        _ = advance()
        var mode: NetworkSection.Mode? = nil
        if case .identifier(let m) = current.kind, m == "sequential" || m == "graph" {
          _ = advance()
          mode = m == "sequential" ? .sequential : .graph
        }
        network = NetworkSection(
          mode: mode ?? .sequential, title: nil, direction: nil, layers: [], chains: [],
          range: range(of: first))
        explicitMode = mode
        section = .network
        return
      case "train":
        try parseTrainHeader()
        return
      case "block":
        try parseBlockHeader()
        return
      case "let" where section != .block:
        _ = advance()
        let name = try identifier("a constant name, as in `let width = 64`")
        guard current.kind == .equals else {
          throw fail(
            DiagnosticCode.expectedValue, "expected `=` after the constant's name",
            help: "write `let \(name.name) = 64`")
        }
        _ = advance()
        let value = try expression()
        constants.append(
          ConstantDecl(name: name, value: value, range: range(first.start, value.range.end.offset)))
        return
      case "import" where section != .block:
        _ = advance()
        let target = current
        switch target.kind {
        case .string(let path):
          _ = advance()
          imports.append(
            ImportDecl(path: path, isLibrary: false, range: range(first.start, target.end)))
        case .identifier(let name):
          _ = advance()
          imports.append(
            ImportDecl(path: name, isLibrary: true, range: range(first.start, target.end)))
        default:
          throw fail(
            DiagnosticCode.expectedValue, "expected a file to import",
            help: "write `import \"blocks.dlg\"` or `import conv` for stdlib/conv.dlg")
        }
        return
      case "end" where section == .block:
        _ = advance()
        if let block = openBlock { blocks.append(block) }
        openBlock = nil
        section = sectionBeforeBlock
        return
      default: break
      }
    }
    switch section {
    case .none:
      throw fail(
        DiagnosticCode.outsideSection, "expected `neuralnet` or `train` to start a section",
        help: "a model starts with a line `neuralnet`")
    case .network, .block: try parseNetworkLine()
    case .train: try parseTrainLine()
    }
  }

  private var sectionBeforeBlock: Section = .none

  /// `block Name(param, param: default)`.
  private mutating func parseBlockHeader() throws(LineError) {
    let keyword = advance()
    if let open = openBlock {
      error(
        DiagnosticCode.unclosedBlock, "block `\(open.name.name)` has no `end` before this block",
        keyword.start, keyword.end, help: "blocks cannot be nested; close it with `end`")
      blocks.append(open)
    } else {
      sectionBeforeBlock = section
    }
    let name = try identifier("a block name such as `ConvBlock`")
    var parameters: [BlockParameter] = []
    if current.kind == .leftParen {
      for argument in try argumentList(open: .leftParen, close: .rightParen) {
        // Written as `name` or `name: default`.
        if let label = argument.label {
          parameters.append(BlockParameter(name: label, defaultValue: argument.value))
        } else if case .identifier(let parameter) = argument.value.kind {
          parameters.append(
            BlockParameter(
              name: Identifier(name: parameter, range: argument.range), defaultValue: nil))
        } else {
          error(
            DiagnosticCode.expectedValue, "a block parameter is a name, or `name: default`",
            argument.range.start.offset, argument.range.end.offset)
        }
      }
    }
    let body = NetworkSection(
      mode: .sequential, title: nil, direction: nil, layers: [], chains: [],
      range: range(of: keyword))
    openBlock = BlockDecl(
      name: name, parameters: parameters, body: body,
      range: range(keyword.start, tokens[max(index - 1, 0)].end))
    section = .block
  }

  private var explicitMode: NetworkSection.Mode?

  // MARK: Network lines

  private mutating func parseNetworkLine() throws(LineError) {
    let first = current
    if case .identifier(let word) = first.kind, peekKind() != .colon {
      if word == "title" {
        _ = advance()
        let title = restOfLine()
        network?.title = title
        return
      }
      if word == "direction", case .identifier(let d) = peekKind(),
        ["TB", "TD", "BT", "LR", "RL"].contains(d)
      {
        _ = advance()
        _ = advance()
        network?.direction = d
        return
      }
      if MermaidStyle.statements.contains(word),
        peekKind() != .arrow, peekKind() != .ampersand
      {
        // Mermaid styling pasted with a diagram: drawn for flowcharts by `dlg diagram`; a
        // model's boxes keep their colours by layer kind, so the line is skipped. (`style -->
        // x` is an edge from a layer named `style`.)
        _ = advance()
        var end = first.end
        while !atLineEnd { end = advance().end }
        skippedStyling.insert(source.location(of: first.start).line)
        diagnostics.append(
          Diagnostic(
            .warning, code: "W001",
            "`\(word)` is not drawn in model diagrams; this line is skipped",
            at: range(first.start, end),
            help: "Mermaid styling is drawn for flowcharts (`dlg diagram`)"))
        return
      }
    }
    if lineContainsArrow() {
      try parseEdges()
    } else {
      try parseLayer()
    }
  }

  /// The raw text to the end of the line (comments removed), for titles.
  private mutating func restOfLine() -> String {
    let start = current.start
    var end = start
    while !atLineEnd { end = advance().end }
    guard end > start else { return "" }
    // Comments were already dropped by the lexer, so the last token ends the text.
    return String(decoding: source.bytes[start..<end], as: UTF8.self).trimmingSpaces()
  }

  private func lineContainsArrow() -> Bool {
    var i = index
    while i < tokens.count {
      switch tokens[i].kind {
      case .arrow: return true
      case .newline, .end: return false
      default: i += 1
      }
    }
    return false
  }

  private mutating func parseEdges() throws(LineError) {
    let start = current.start
    var groups: [[Identifier]] = [try nodeGroup()]
    while current.kind == .arrow {
      let arrow = advance()
      guard case .identifier = current.kind else {
        error(
          DiagnosticCode.edgeWithoutTarget, "an edge needs a target after `-->`", arrow.start,
          arrow.end, help: "name the layer it leads to, for example `a --> b`")
        throw LineError()
      }
      groups.append(try nodeGroup())
    }
    let lineRange = range(start, tokens[max(index - 1, 0)].end)
    if explicitMode == .sequential {
      error(
        DiagnosticCode.edgeInSequential,
        "edges are not allowed in a `neuralnet sequential` section",
        start, tokens[max(index - 1, 0)].end,
        help: "remove `sequential` from the header, or remove the edges")
      return
    }
    var chains: [EdgeChain] = []
    if groups.allSatisfy({ $0.count == 1 }) {
      chains.append(EdgeChain(nodes: groups.map { $0[0] }, range: lineRange))
    } else {
      // `a & b --> c`: every pair between consecutive groups is an edge.
      for (from, to) in zip(groups, groups.dropFirst()) {
        for a in from {
          for b in to { chains.append(EdgeChain(nodes: [a, b], range: lineRange)) }
        }
      }
    }
    if section == .block {
      openBlock?.body.mode = .graph
      openBlock?.body.chains += chains
    } else {
      network?.mode = .graph
      network?.chains += chains
    }
  }

  private mutating func nodeGroup() throws(LineError) -> [Identifier] {
    var group = [try identifier("a layer name")]
    while current.kind == .ampersand {
      _ = advance()
      group.append(try identifier("a layer name after `&`"))
    }
    return group
  }

  private mutating func identifier(_ what: String) throws(LineError) -> Identifier {
    guard case .identifier(let name) = current.kind else {
      throw fail(DiagnosticCode.expectedLayer, "expected \(what), found \(current.kind.spelling)")
    }
    let token = advance()
    return Identifier(name: name, range: range(of: token))
  }

  private mutating func parseLayer() throws(LineError) {
    let start = current.start
    var id: Identifier?
    if case .identifier = current.kind, peekKind() == .colon {
      id = try identifier("a layer id")
      _ = advance()  // the colon
    }
    guard case .identifier = current.kind else {
      throw fail(
        DiagnosticCode.expectedLayer,
        id == nil
          ? "expected a layer such as `fc: Dense[128]` or an edge such as `a --> b`"
          : "expected a layer type after `\(id!.name):`",
        help: id == nil ? nil : "for example `\(id!.name): Dense[128, relu]`")
    }
    let type = try identifier("a layer type")
    var arguments: [Argument] = []
    if current.kind == .leftBracket {
      arguments = try argumentList(open: .leftBracket, close: .rightBracket)
    }
    var label: String?
    if case .string(let text) = current.kind {
      _ = advance()
      label = text
    }
    var repeatCount: Expression?
    if current.kind == .star {
      _ = advance()
      repeatCount = try expression()
    }
    let end = tokens[max(index - 1, 0)].end
    let layer = LayerDecl(
      id: id, type: type, arguments: arguments, label: label, repeatCount: repeatCount,
      range: range(start, end))
    if section == .block {
      openBlock?.body.layers.append(layer)
    } else {
      network?.layers.append(layer)
    }
  }

  // MARK: Train lines

  /// `train`, or `train pretrain`: a named section is a stage, run in order with the others.
  private mutating func parseTrainHeader() throws(LineError) {
    let keyword = advance()
    var name: Identifier?
    if case .identifier(let word) = current.kind {
      name = Identifier(name: word, range: range(of: current))
      _ = advance()
    }
    var section = TrainSection(entries: [], range: range(of: keyword))
    section.name = name
    if let clash = trains.first(where: { $0.name?.name == name?.name }) {
      let message =
        name.map { "the stage `\($0.name)` is declared twice" }
        ?? "the file has two train sections without names"
      diagnostics.append(
        Diagnostic(
          code: DiagnosticCode.duplicateStage, message, at: name?.range ?? range(of: keyword),
          help: name == nil
            ? "name them to run them in order as stages: `train pretrain`, `train finetune`"
            : "give each train stage its own name",
          notes: ["first declared at \(clash.range.description)"]))
    }
    trains.append(section)
    self.section = .train
  }

  private mutating func parseTrainLine() throws(LineError) {
    let start = current.start
    let key = try identifier("a train setting such as `batch 32`")
    guard !atLineEnd else {
      throw fail(
        DiagnosticCode.expectedValue, "`\(key.name)` needs a value",
        help: "write the value after it, for example `\(key.name) 32`")
    }
    var value = try expression()
    if current.kind == .comma {
      var items = [value]
      while current.kind == .comma {
        _ = advance()
        items.append(try expression())
      }
      value = Expression(
        .list(items), range: range(items[0].range.start.offset, items.last!.range.end.offset))
    }
    let end = tokens[max(index - 1, 0)].end
    let entry = TrainEntry(key: key, value: value, range: range(start, end))
    if !trains.isEmpty { trains[trains.count - 1].entries.append(entry) }
  }

  // MARK: Expressions

  private mutating func argumentList(open: TokenKind, close: TokenKind) throws(LineError)
    -> [Argument]
  {
    let opening = advance()
    try enter()
    defer { depth -= 1 }
    var arguments: [Argument] = []
    while current.kind != close {
      if atLineEnd {
        error(
          DiagnosticCode.unclosedBracket, "this \(opening.kind.spelling) is never closed",
          opening.start, opening.end, help: "add \(close.spelling) before the end of the line")
        throw LineError()
      }
      let start = current.start
      var label: Identifier?
      if case .identifier = current.kind, peekKind() == .colon {
        label = try identifier("a parameter name")
        _ = advance()
      }
      let value = try expression()
      arguments.append(
        Argument(label: label, value: value, range: range(start, value.range.end.offset)))
      if current.kind == .comma {
        _ = advance()
      } else if current.kind != close, !atLineEnd {
        throw fail(
          DiagnosticCode.unexpectedToken,
          "expected `,` or \(close.spelling), found \(current.kind.spelling)")
      }
    }
    _ = advance()
    return arguments
  }

  private mutating func enter() throws(LineError) {
    depth += 1
    if depth > Parser.maximumDepth {
      throw fail(
        DiagnosticCode.nestingTooDeep, "brackets nest more than \(Parser.maximumDepth) deep",
        help: "simplify the expression")
    }
  }

  mutating func expression() throws(LineError) -> Expression {
    try enter()
    defer { depth -= 1 }
    var lhs = try term()
    while current.kind == .plus || current.kind == .minus {
      let op: BinaryOperator = advance().kind == .plus ? .add : .subtract
      let rhs = try term()
      lhs = Expression(
        .binary(op: op, lhs: lhs, rhs: rhs),
        range: range(lhs.range.start.offset, rhs.range.end.offset))
    }
    return lhs
  }

  private mutating func term() throws(LineError) -> Expression {
    var lhs = try unary()
    while current.kind == .star || current.kind == .slash {
      let op: BinaryOperator = advance().kind == .star ? .multiply : .divide
      let rhs = try unary()
      lhs = Expression(
        .binary(op: op, lhs: lhs, rhs: rhs),
        range: range(lhs.range.start.offset, rhs.range.end.offset))
    }
    return lhs
  }

  private mutating func unary() throws(LineError) -> Expression {
    if current.kind == .minus {
      let minus = advance()
      try enter()
      defer { depth -= 1 }
      let operand = try unary()
      return Expression(.negate(operand), range: range(minus.start, operand.range.end.offset))
    }
    return try primary()
  }

  private mutating func primary() throws(LineError) -> Expression {
    let token = current
    switch token.kind {
    case .integer(let n):
      _ = advance()
      return Expression(.integer(n), range: range(of: token))
    case .float(let x):
      _ = advance()
      return Expression(.float(x), range: range(of: token))
    case .dimensions(let d):
      _ = advance()
      return Expression(.dimensions(d), range: range(of: token))
    case .string(let s):
      _ = advance()
      return Expression(.string(s), range: range(of: token))
    case .identifier(let name):
      _ = advance()
      // `Adam(lr: 0.01)`, or a layer inside another's brackets: `Bidirectional[LSTM[64]]`.
      let bracket = current.kind == .leftBracket
      if current.kind == .leftParen || bracket {
        let arguments =
          bracket
          ? try argumentList(open: .leftBracket, close: .rightBracket)
          : try argumentList(open: .leftParen, close: .rightParen)
        return Expression(
          .call(name: Identifier(name: name, range: range(of: token)), arguments: arguments),
          range: range(token.start, tokens[max(index - 1, 0)].end))
      }
      return Expression(.identifier(name), range: range(of: token))
    case .leftParen:
      let open = advance()
      let inner = try expression()
      guard current.kind == .rightParen else {
        error(
          DiagnosticCode.unclosedBracket, "this `(` is never closed", open.start, open.end,
          help: "add `)`")
        throw LineError()
      }
      _ = advance()
      return inner
    case .leftBracket:
      let arguments = try argumentList(open: .leftBracket, close: .rightBracket)
      return Expression(
        .list(arguments.map(\.value)), range: range(token.start, tokens[max(index - 1, 0)].end))
    default:
      throw fail(
        DiagnosticCode.expectedValue, "expected a value, found \(token.kind.spelling)",
        help:
          "values are numbers, names, strings, dimensions like 3x3, or calls like Adam(lr: 0.001)")
    }
  }
}

extension String {
  func trimmingSpaces() -> String {
    var s = Substring(self)
    while s.first?.isWhitespace == true { s.removeFirst() }
    while s.last?.isWhitespace == true { s.removeLast() }
    return String(s)
  }
}
