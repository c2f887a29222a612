/// Mermaid's CSS-like style lists (`fill:#f96,stroke:#333,stroke-width:4px`), as `classDef`,
/// `style` and `linkStyle` write them, read into what a picture can show.
public enum MermaidStyle {
  /// The statements that style a Mermaid diagram (or link its nodes): drawn in flowcharts,
  /// skipped in models, kept as written by the formatter.
  static let statements: Set<String> = ["classDef", "class", "style", "linkStyle", "click"]

  /// What a property list set, and what it had that cannot be drawn or read.
  public struct Parsed: Sendable, Equatable {
    public var style = Flowchart.Style()
    /// Properties Graphviz has no counterpart for (`font-weight`, `rx`, ...).
    public var unsupported: [String] = []
    /// `property: value` pairs whose value is not understood (`fill:#12`).
    public var invalid: [String] = []
  }

  public static func parse(_ text: String) -> Parsed {
    var parsed = Parsed()
    for item in split(text) {
      guard let colon = item.firstIndex(of: ":") else {
        if !item.isEmpty { parsed.invalid.append(item) }
        continue
      }
      let key = item[..<colon].trimmingSpaces().lowercased()
      let value = item[item.index(after: colon)...].trimmingSpaces()
      switch key {
      case "fill", "background", "background-color":
        guard let color = color(value) else {
          parsed.invalid.append(item)
          continue
        }
        parsed.style.fill = color
      case "stroke", "border-color":
        guard let color = color(value) else {
          parsed.invalid.append(item)
          continue
        }
        parsed.style.stroke = color
      case "color":
        guard let color = color(value) else {
          parsed.invalid.append(item)
          continue
        }
        parsed.style.color = color
      case "stroke-width":
        guard let width = length(value) else {
          parsed.invalid.append(item)
          continue
        }
        parsed.style.strokeWidth = width
      case "stroke-dasharray":
        // Any dash pattern is drawn dashed; `0` or `none` is a solid line.
        let solid = value == "none" || value.split(separator: " ").allSatisfy { Double($0) == 0 }
        parsed.style.dashed = !solid
      default:
        parsed.unsupported.append(key)
      }
    }
    return parsed
  }

  /// Splits at commas outside parentheses (`rgb(1, 2, 3)` stays whole).
  static func split(_ text: String) -> [String] {
    var items: [String] = []
    var current = ""
    var depth = 0
    for character in text {
      switch character {
      case "(": depth += 1
      case ")": depth = max(0, depth - 1)
      case "," where depth == 0:
        items.append(current.trimmingSpaces())
        current = ""
        continue
      default: break
      }
      current.append(character)
    }
    items.append(current.trimmingSpaces())
    return items.map { $0.hasSuffix(";") ? String($0.dropLast()).trimmingSpaces() : $0 }
      .filter { !$0.isEmpty }
  }

  /// A CSS colour as Graphviz reads it: `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`, `rgb()`,
  /// `rgba()` or a name (letters only; Graphviz knows the SVG and X11 names).
  public static func color(_ text: String) -> String? {
    let value = text.trimmingSpaces().lowercased()
    if value.hasPrefix("#") {
      let digits = Array(value.dropFirst())
      guard digits.allSatisfy({ $0.isASCII && $0.isHexDigit }) else { return nil }
      switch digits.count {
      case 3, 4: return "#" + digits.map { "\($0)\($0)" }.joined()
      case 6, 8: return value
      default: return nil
      }
    }
    if value.hasPrefix("rgb"), let open = value.firstIndex(of: "("), value.hasSuffix(")") {
      let inner = value[value.index(after: open)..<value.index(before: value.endIndex)]
      let parts = inner.split(separator: ",").map { $0.trimmingSpaces() }
      guard parts.count == 3 || parts.count == 4 else { return nil }
      var hex = "#"
      for (index, part) in parts.enumerated() {
        let channel: Double?
        if index == 3 {
          channel = Double(part).map { $0 * 255 }
        } else if part.hasSuffix("%") {
          channel = Double(part.dropLast()).map { $0 * 2.55 }
        } else {
          channel = Double(part)
        }
        guard let channel, channel.isFinite, channel >= 0, channel <= 255.5 else { return nil }
        let byte = Int(min(255, channel.rounded()))
        let digits = String(byte, radix: 16)
        hex += digits.count == 1 ? "0" + digits : digits
      }
      return hex
    }
    guard !value.isEmpty, value.count <= 32, value.allSatisfy({ $0.isLetter && $0.isASCII }) else {
      return nil
    }
    return value
  }

  /// `4px`, `2`, `1.5pt`: a width in points.
  static func length(_ text: String) -> Double? {
    var value = Substring(text.trimmingSpaces())
    for unit in ["px", "pt"] where value.hasSuffix(unit) { value = value.dropLast(2) }
    guard let number = Double(value), number.isFinite, number >= 0, number <= 100 else {
      return nil
    }
    return number
  }
}

extension Substring {
  fileprivate func trimmingSpaces() -> String { String(self).trimmingSpaces() }
}
