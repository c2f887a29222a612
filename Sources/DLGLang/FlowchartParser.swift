/// Parses Mermaid flowcharts (`graph TD`, `flowchart LR`, ...): node shapes, every edge kind
/// with labels, chains, `&`, subgraphs with `direction`, comments, and styling (`classDef`,
/// `class`, `a:::name`, `style`, `linkStyle`). Statements a picture cannot show (`click`,
/// `accTitle`, ...) and style properties Graphviz lacks produce a warning with their place
/// and are skipped. Never traps: every loop consumes input.
public enum FlowchartParser {
  public static func parse(_ source: SourceFile) -> (chart: Flowchart, diagnostics: [Diagnostic]) {
    var parser = FlowchartScanner(source: source)
    parser.parseAll()
    parser.applyStyles()
    return (parser.chart, parser.diagnostics)
  }
}

struct FlowchartScanner {
  let source: SourceFile
  let scalars: [Unicode.Scalar]
  /// Byte offset of each scalar, for diagnostics.
  let offsets: [Int]
  var position = 0
  var chart = Flowchart()
  var diagnostics: [Diagnostic] = []
  var nodeIndex: [String: Int] = [:]
  var subgraphStack: [String] = []
  var sawHeader = false
  /// Styling statements, applied once every node and edge is known (Mermaid allows them
  /// anywhere): node id or link index, what to apply, the statement's place.
  var classUses: [(node: String, name: String, start: Int, end: Int)] = []
  var nodeStyles: [(node: String, style: Flowchart.Style, start: Int, end: Int)] = []
  var linkStyles: [(link: Int?, style: Flowchart.Style, start: Int, end: Int)] = []
  /// Unsupported style properties already warned about (once each).
  var warnedProperties: Set<String> = []

  init(source: SourceFile) {
    self.source = source
    var scalars: [Unicode.Scalar] = []
    var offsets: [Int] = []
    var offset = 0
    for scalar in source.text.unicodeScalars {
      scalars.append(scalar)
      offsets.append(offset)
      offset += String(scalar).utf8.count
    }
    offsets.append(offset)
    self.scalars = scalars
    self.offsets = offsets
  }

  static let ignoredKeywords: Set<String> = [
    "click", "accTitle", "accDescr", "callback",
  ]

  // MARK: Statements

  mutating func parseAll() {
    while position < scalars.count {
      skipBlank()
      guard position < scalars.count else { break }
      let start = position
      parseStatement()
      if position == start { position += 1 }  // always make progress
    }
  }

  private mutating func parseStatement() {
    if peek("%%") {
      skipLine()
      return
    }
    let lineStart = position
    let word = peekWord()
    if !sawHeader, word == "graph" || word == "flowchart" {
      position += word.unicodeScalars.count
      skipSpaces()
      if let direction = direction(peekWord()) {
        chart.direction = direction
        position += peekWord().unicodeScalars.count
      }
      sawHeader = true
      endStatement()
      return
    }
    sawHeader = true
    if Self.ignoredKeywords.contains(word) {
      warn("`\(word)` is not drawn; this line is skipped", lineStart, lineEnd())
      skipLine()
      return
    }
    switch word {
    case "classDef", "class", "style", "linkStyle":
      position += word.unicodeScalars.count
      skipSpaces()
      parseStyling(word, lineStart)
      return
    case "subgraph":
      position += 8
      skipSpaces()
      parseSubgraphHeader()
      return
    case "end" where !subgraphStack.isEmpty:
      position += 3
      subgraphStack.removeLast()
      endStatement()
      return
    case "direction":
      position += 9
      skipSpaces()
      if let d = direction(peekWord()) {
        position += peekWord().unicodeScalars.count
        if let current = subgraphStack.last,
          let index = chart.subgraphs.firstIndex(where: { $0.id == current })
        {
          chart.subgraphs[index].direction = d
        } else {
          chart.direction = d
        }
      }
      endStatement()
      return
    default: break
    }
    parseChain(lineStart)
  }

  private mutating func parseSubgraphHeader() {
    let start = position
    var id = ""
    var title = ""
    if peek("\"") {
      title = quoted() ?? ""
      id = "subgraph\(chart.subgraphs.count)"
    } else {
      id = identifier() ?? ""
      skipSpaces()
      if peek("[") {
        position += 1
        title = text(until: "]")
        position = min(position + 1, scalars.count)
      } else {
        // `subgraph Some title words`: the whole rest of the line is the title.
        let rest = restOfStatement()
        title = (id + (rest.isEmpty ? "" : " " + rest))
        if !rest.isEmpty { id = "subgraph\(chart.subgraphs.count)" }
      }
    }
    if id.isEmpty {
      id = "subgraph\(chart.subgraphs.count)"
      if title.isEmpty {
        warn("a subgraph needs a name", start, lineEnd())
      }
    }
    chart.subgraphs.append(
      Flowchart.Subgraph(
        id: id, title: title.isEmpty ? id : title, parent: subgraphStack.last, direction: nil))
    subgraphStack.append(id)
    endStatement()
  }

  /// `A & B --> C --> D`.
  private mutating func parseChain(_ lineStart: Int) {
    guard var previous = nodeGroup() else {
      warn("expected a node or an edge", lineStart, lineEnd(), help: "for example `A --> B`")
      skipLine()
      return
    }
    while true {
      skipSpaces()
      guard let edge = arrow() else { break }
      skipSpaces()
      guard let next = nodeGroup() else {
        error("an edge needs a target node", lineStart, lineEnd(), help: "for example `A --> B`")
        skipLine()
        return
      }
      for a in previous {
        for b in next {
          chart.edges.append(
            Flowchart.Edge(
              from: a, to: b, label: edge.label, style: edge.style, head: edge.head,
              tail: edge.tail))
        }
      }
      previous = next
    }
    endStatement()
  }

  private mutating func nodeGroup() -> [String]? {
    guard let first = node() else { return nil }
    var group = [first]
    while true {
      let save = position
      skipSpaces()
      guard peek("&") else {
        position = save
        break
      }
      position += 1
      skipSpaces()
      guard let next = node() else {
        position = save
        break
      }
      group.append(next)
    }
    return group
  }

  /// A node reference with an optional shape and label: `A`, `A[text]`, `A((text))`, ...
  private mutating func node() -> String? {
    let start = position
    guard let id = identifier() else { return nil }
    var label: String?
    var shape: Flowchart.Shape?
    for (open, close, kind) in Self.shapes where peek(open) {
      position += open.unicodeScalars.count
      label = peek("\"") ? (quoted() ?? "") : text(untilAny: close.map { $0 })
      if let matched = close.first(where: { peek($0) }) {
        position += matched.unicodeScalars.count
      } else {
        error("the shape of `\(id)` is not closed", start, lineEnd(), help: "add `\(close[0])`")
      }
      shape = kind
      break
    }
    declare(id, label: label, shape: shape)
    if peek(":::") {
      position += 3
      // Class names may hold `-` (`my-class`), which node ids may not.
      let nameStart = position
      while isIdentifierScalar(at: position)
        || (position < scalars.count && scalars[position] == "-")
      {
        position += 1
      }
      let name = String(String.UnicodeScalarView(scalars[nameStart..<position]))
      if name.isEmpty {
        warn("`:::` needs a class name", start, position, help: "for example `A:::hot`")
      } else {
        classUses.append((id, name, start, position))
      }
    }
    return id
  }

  // MARK: Styling

  /// `classDef a,b props`, `class x,y name`, `style x props`, `linkStyle 0,2|default props`.
  private mutating func parseStyling(_ keyword: String, _ lineStart: Int) {
    let rest = restOfStatement()
    let end = position
    let parts = rest.split(maxSplits: 1, whereSeparator: { $0 == " " || $0 == "\t" })
    guard parts.count == 2 else {
      warn(
        "`\(keyword)` needs targets and then styles", lineStart, end,
        help: "for example `classDef hot fill:#f96,stroke:#333`")
      endStatement()
      return
    }
    let targets = parts[0].split(separator: ",").map(String.init)
    var value = String(parts[1])
    if keyword == "linkStyle", value.hasPrefix("interpolate ") {
      // The curve (`interpolate basis`) has no Graphviz counterpart; the styles after it do.
      let words = value.split(separator: " ", maxSplits: 2)
      value = words.count == 3 ? String(words[2]) : ""
      warn("`interpolate` curves are not drawn; the line's styles still apply", lineStart, end)
    }
    if keyword == "class" {
      for node in targets { classUses.append((node, value.trimmingSpaces(), lineStart, end)) }
      endStatement()
      return
    }
    let parsed = MermaidStyle.parse(value)
    for property in parsed.unsupported where warnedProperties.insert(property).inserted {
      warn(
        "`\(property)` cannot be drawn by Graphviz; it is left out", lineStart, end,
        help: "fill, stroke, stroke-width, stroke-dasharray and color are drawn")
    }
    for item in parsed.invalid {
      warn(
        "`\(item)` is not a style dlg can read; it is left out", lineStart, end,
        help: "colours are #f96, #ff9966, rgb(255, 153, 102) or names; widths are 2px")
    }
    switch keyword {
    case "classDef":
      for name in targets {
        chart.classes[name] = (chart.classes[name] ?? Flowchart.Style()).overlaid(
          with: parsed.style)
      }
    case "style":
      for node in targets { nodeStyles.append((node, parsed.style, lineStart, end)) }
    default:
      for target in targets {
        if target == "default" {
          linkStyles.append((nil, parsed.style, lineStart, end))
        } else if let index = Int(target), index >= 0 {
          linkStyles.append((index, parsed.style, lineStart, end))
        } else {
          warn(
            "`\(target)` is not a link number", lineStart, end,
            help: "links are numbered from 0 in the order they are written, or `default`")
        }
      }
    }
    endStatement()
  }

  /// Puts the styling statements on the nodes and edges they name.
  mutating func applyStyles() {
    for use in classUses {
      guard let index = nodeIndex[use.node] else {
        warn("there is no node `\(use.node)` to give the class `\(use.name)`", use.start, use.end)
        continue
      }
      if chart.classes[use.name] == nil {
        warn("no `classDef \(use.name)`; the class is left out", use.start, use.end)
      }
      chart.nodes[index].classes.append(use.name)
    }
    for style in nodeStyles {
      guard let index = nodeIndex[style.node] else {
        warn("there is no node `\(style.node)` to style", style.start, style.end)
        continue
      }
      chart.nodes[index].style = (chart.nodes[index].style ?? Flowchart.Style()).overlaid(
        with: style.style)
    }
    for link in linkStyles {
      guard let index = link.link else {
        chart.defaultLinkStyle = (chart.defaultLinkStyle ?? Flowchart.Style()).overlaid(
          with: link.style)
        continue
      }
      guard index < chart.edges.count else {
        warn(
          "there is no link \(index): the diagram has \(chart.edges.count), numbered from 0",
          link.start, link.end)
        continue
      }
      chart.linkStyles[index] = (chart.linkStyles[index] ?? Flowchart.Style()).overlaid(
        with: link.style)
    }
  }

  /// Openers and closers, longest first so `((` is not read as `(`.
  static let shapes: [(String, [String], Flowchart.Shape)] = [
    ("(((", [")))"], .doubleCircle), ("([", ["])"], .stadium), ("((", ["))"], .circle),
    ("[[", ["]]"], .subroutine), ("[(", [")]"], .cylinder), ("[/", ["/]", "\\]"], .parallelogram),
    ("[\\", ["\\]", "/]"], .parallelogramAlt), ("{{", ["}}"], .hexagon), ("[", ["]"], .rectangle),
    ("(", [")"], .rounded), ("{", ["}"], .rhombus), (">", ["]"], .asymmetric),
  ]

  private mutating func declare(_ id: String, label: String?, shape: Flowchart.Shape?) {
    if let index = nodeIndex[id] {
      if let label { chart.nodes[index].label = label }
      if let shape { chart.nodes[index].shape = shape }
    } else {
      nodeIndex[id] = chart.nodes.count
      chart.nodes.append(
        Flowchart.Node(
          id: id, label: label ?? id, shape: shape ?? .rectangle, subgraph: subgraphStack.last))
    }
  }

  // MARK: Arrows

  struct Arrow {
    var style: Flowchart.LineStyle
    var head: Flowchart.End
    var tail: Flowchart.End
    var label: String?
  }

  /// `-->`, `---`, `-.->`, `==>`, `--o`, `--x`, `<-->`, `~~~`, longer forms, `-- text -->`,
  /// and a trailing `|label|`.
  private mutating func arrow() -> Arrow? {
    let start = position
    var tail = Flowchart.End.none
    if peek("<") {
      tail = .arrow
      position += 1
    } else if (peek("o") || peek("x"))
      && (peek("--", at: 1) || peek("==", at: 1) || peek("-.", at: 1))
    {
      tail = peek("o") ? .circle : .cross
      position += 1
    }
    var style = Flowchart.LineStyle.solid
    var label: String?
    if peek("~~~") {
      while peek("~") { position += 1 }
      return Arrow(style: .invisible, head: .none, tail: .none, label: pipeLabel())
    } else if peek("-.") {
      style = .dotted
      position += 2
      if !peek(".") && !peek("-") {
        // `-. text .->`
        label = text(untilAny: [".-"]).trimmingSpaces()
      }
      while peek(".") || peek("-") { position += 1 }
    } else if peek("==") {
      style = .thick
      position += 2
      if peek(" ") {
        let save = position
        let text = text(untilAny: ["=="]).trimmingSpaces()
        if peek("==") { label = text } else { position = save }
      }
      while peek("=") { position += 1 }
    } else if peek("--") {
      position += 2
      if peek(" ") {
        // `-- text -->`: a label between the two halves of the arrow.
        let save = position
        let text = text(untilAny: ["--"]).trimmingSpaces()
        if peek("--"), !text.isEmpty { label = text } else { position = save }
      }
      while peek("-") { position += 1 }
    } else {
      position = start
      return nil
    }
    var head = Flowchart.End.none
    if peek(">") {
      head = .arrow
      position += 1
    } else if peek("o"), !isIdentifierScalar(at: position + 1) {
      head = .circle
      position += 1
    } else if peek("x"), !isIdentifierScalar(at: position + 1) {
      head = .cross
      position += 1
    }
    if let piped = pipeLabel() { label = piped }
    return Arrow(style: style, head: head, tail: tail, label: label)
  }

  private mutating func pipeLabel() -> String? {
    let save = position
    skipSpaces()
    guard peek("|") else {
      position = save
      return nil
    }
    position += 1
    let label = peek("\"") ? (quoted() ?? "") : text(untilAny: ["|"])
    if peek("|") { position += 1 }
    return label.trimmingSpaces()
  }

  // MARK: Scanning

  private func peek(_ text: String, at offset: Int = 0) -> Bool {
    var index = position + offset
    for scalar in text.unicodeScalars {
      guard index < scalars.count, scalars[index] == scalar else { return false }
      index += 1
    }
    return true
  }

  private func isIdentifierScalar(at index: Int) -> Bool {
    guard index < scalars.count else { return false }
    let s = scalars[index]
    return s == "_" || s.properties.isAlphabetic || ("0"..."9").contains(s)
  }

  private mutating func identifier() -> String? {
    let start = position
    while isIdentifierScalar(at: position) { position += 1 }
    guard position > start else { return nil }
    return String(String.UnicodeScalarView(scalars[start..<position]))
  }

  private func peekWord() -> String {
    var index = position
    while isIdentifierScalar(at: index) { index += 1 }
    return String(String.UnicodeScalarView(scalars[position..<index]))
  }

  private func direction(_ word: String) -> Flowchart.Direction? {
    switch word {
    case "TB", "TD": .topToBottom
    case "BT": .bottomToTop
    case "LR": .leftToRight
    case "RL": .rightToLeft
    default: nil
    }
  }

  /// Text up to (not including) the first of `closers` or the end of the line.
  private mutating func text(untilAny closers: [String]) -> String {
    let start = position
    while position < scalars.count, scalars[position] != "\n",
      !closers.contains(where: { peek($0) })
    {
      position += 1
    }
    return String(String.UnicodeScalarView(scalars[start..<position]))
  }

  private mutating func text(until closer: String) -> String { text(untilAny: [closer]) }

  /// A `"quoted"` label; Mermaid labels may contain any character inside quotes.
  private mutating func quoted() -> String? {
    guard peek("\"") else { return nil }
    let start = position
    position += 1
    let body = text(untilAny: ["\""])
    if peek("\"") {
      position += 1
    } else {
      error("this label has no closing quote", start, position, help: "add `\"`")
    }
    return body
  }

  private mutating func restOfStatement() -> String {
    text(untilAny: [";", "%%"]).trimmingSpaces()
  }

  private mutating func skipSpaces() {
    while position < scalars.count, scalars[position] == " " || scalars[position] == "\t" {
      position += 1
    }
  }

  private mutating func skipBlank() {
    while position < scalars.count,
      scalars[position] == " " || scalars[position] == "\t" || scalars[position] == "\n"
        || scalars[position] == "\r" || scalars[position] == ";"
    {
      position += 1
    }
  }

  private mutating func skipLine() {
    while position < scalars.count, scalars[position] != "\n" { position += 1 }
  }

  /// After a statement: only spaces, a `;`, a comment or the end of the line may follow.
  private mutating func endStatement() {
    skipSpaces()
    if peek(";") || peek("%%") || position >= scalars.count || scalars[position] == "\n"
      || scalars[position] == "\r"
    {
      if peek("%%") { skipLine() }
      return
    }
    let start = position
    skipLine()
    warn("unexpected text; the rest of this line is skipped", start, position)
  }

  private func lineEnd() -> Int {
    var index = position
    while index < scalars.count, scalars[index] != "\n" { index += 1 }
    return index
  }

  private func range(_ start: Int, _ end: Int) -> SourceRange {
    let startOffset = offsets[min(start, offsets.count - 1)]
    let endOffset = offsets[min(max(end, start), offsets.count - 1)]
    return SourceRange(
      file: source.path, start: source.location(of: startOffset),
      end: source.location(of: endOffset))
  }

  private mutating func warn(_ message: String, _ start: Int, _ end: Int, help: String? = nil) {
    diagnostics.append(
      Diagnostic(.warning, code: "W001", message, at: range(start, end), help: help))
  }

  private mutating func error(_ message: String, _ start: Int, _ end: Int, help: String? = nil) {
    diagnostics.append(Diagnostic(code: "E120", message, at: range(start, end), help: help))
  }
}
