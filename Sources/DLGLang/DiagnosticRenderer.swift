/// Prints diagnostics the way compilers do: the place, the message, the source line with the
/// range underlined, then help and notes.
///
///     model.dlg:3:6: error[E201]: unknown layer type `Dens`
///         3 |   y: Dens[3]
///           |      ^~~~
///       help: did you mean `Dense`?
public struct DiagnosticRenderer: Sendable {
  private let sources: [String: SourceFile]
  private let color: Bool

  /// `color` adds ANSI colours; pass true only when writing to a terminal.
  public init(sources: [SourceFile], color: Bool) {
    self.sources = Dictionary(sources.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
    self.color = color
  }

  public func render(_ diagnostic: Diagnostic) -> String {
    let severityColor: String
    switch diagnostic.severity {
    case .error: severityColor = "1;31"
    case .warning: severityColor = "1;33"
    case .note: severityColor = "1;36"
    }
    var lines: [String] = []
    let place = diagnostic.range.map { "\($0.description): " } ?? ""
    lines.append(
      paint(place, "1")
        + paint("\(diagnostic.severity.rawValue)[\(diagnostic.code)]:", severityColor)
        + " " + paint(diagnostic.message, "1"))
    if let range = diagnostic.range, let file = sources[range.file] {
      let lineNumber = String(range.start.line)
      let gutter = String(repeating: " ", count: lineNumber.count)
      let text = file.lineText(range.start.line).replacingTabs()
      let prefix = String(text.unicodeScalars.prefix(range.start.column - 1))
      let underlineStart = displayWidth(prefix)
      let underlineWidth: Int
      if range.end.line == range.start.line, range.end.column > range.start.column {
        let spanned = String(
          text.unicodeScalars.dropFirst(range.start.column - 1).prefix(
            range.end.column - range.start.column))
        underlineWidth = max(1, displayWidth(spanned))
      } else {
        underlineWidth = 1
      }
      lines.append("  \(lineNumber) | \(text)")
      lines.append(
        "  \(gutter) | " + String(repeating: " ", count: underlineStart)
          + paint("^" + String(repeating: "~", count: underlineWidth - 1), severityColor))
    }
    if let help = diagnostic.help { lines.append("  " + paint("help:", "1;32") + " " + help) }
    for note in diagnostic.notes { lines.append("  " + paint("note:", "1;36") + " " + note) }
    return lines.joined(separator: "\n")
  }

  private func paint(_ text: String, _ code: String) -> String {
    color && !text.isEmpty ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
  }
}

/// Columns a string takes in a terminal: East Asian wide characters (CJK, Hangul, fullwidth
/// forms, most emoji) take two, so carets line up under Chinese labels.
public func displayWidth(_ text: String) -> Int {
  text.unicodeScalars.reduce(0) { width, scalar in
    let v = scalar.value
    if scalar.properties.generalCategory == .nonspacingMark { return width }
    let wide =
      (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v)
      || (0xAC00...0xD7A3).contains(v) || (0xF900...0xFAFF).contains(v)
      || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
      || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1F64F).contains(v)
      || (0x1F900...0x1F9FF).contains(v) || (0x20000...0x3FFFD).contains(v)
    return width + (wide ? 2 : 1)
  }
}

extension String {
  /// Tabs shown as one space, so the caret line up counts the same columns.
  fileprivate func replacingTabs() -> String {
    String(String.UnicodeScalarView(unicodeScalars.map { $0 == "\t" ? " " : $0 }))
  }
}

/// The candidate closest to `name` by edit distance (case-insensitive, adjacent swaps count as
/// one edit), or nil when none is close enough to be what was meant.
public func closestMatch(to name: String, among candidates: [String]) -> String? {
  let target = Array(name.lowercased().unicodeScalars)
  var best: (candidate: String, distance: Int)?
  for candidate in candidates {
    let distance = editDistance(target, Array(candidate.lowercased().unicodeScalars))
    if distance < (best?.distance ?? .max) { best = (candidate, distance) }
  }
  guard let best else { return nil }
  let allowed = max(1, min(target.count, best.candidate.count) / 3)
  // A one-letter name is never "close" to another one-letter name.
  let longest = max(target.count, best.candidate.unicodeScalars.count)
  return best.distance <= allowed && best.distance < longest ? best.candidate : nil
}

/// Optimal-string-alignment distance (Damerau–Levenshtein without repeated edits of a span).
func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
  if a.isEmpty { return b.count }
  if b.isEmpty { return a.count }
  var previous2 = [Int](repeating: 0, count: b.count + 1)
  var previous = Array(0...b.count)
  var current = [Int](repeating: 0, count: b.count + 1)
  for i in 1...a.count {
    current[0] = i
    for j in 1...b.count {
      let cost = a[i - 1] == b[j - 1] ? 0 : 1
      current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
      if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
        current[j] = min(current[j], previous2[j - 2] + 1)
      }
    }
    (previous2, previous, current) = (previous, current, previous2)
  }
  return previous[b.count]
}
