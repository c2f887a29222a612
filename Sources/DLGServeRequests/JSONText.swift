/// Writing JSON text by hand, for answers whose shape is fixed: faster than an encoder for
/// thousands of probabilities, and exact about how floats are printed.
public enum JSONText {
  /// A JSON string literal: quotes, backslashes and control characters escaped.
  public static func string(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": result += "\\\""
      case "\\": result += "\\\\"
      case "\n": result += "\\n"
      case "\r": result += "\\r"
      case "\t": result += "\\t"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: result.unicodeScalars.append(scalar)
      }
    }
    return result + "\""
  }

  /// A float as JSON: the shortest text that reads back as the same float; a non-finite value
  /// (which JSON cannot hold) as null.
  public static func number(_ value: Float) -> String {
    value.isFinite ? "\(value)" : "null"
  }

  /// An array of floats.
  public static func numbers(_ values: some Sequence<Float>) -> String {
    "[" + values.map(number).joined(separator: ",") + "]"
  }
}
