/// The house style: one font, thin dark-grey lines, and a light tint per family so the kind
/// of each layer reads at a glance without shouting.
enum DiagramStyle {
  /// Sans-serif first, then a CJK font so Chinese labels have glyphs and correct widths.
  static let font = "Helvetica,Arial,Noto Sans CJK SC,sans-serif"
  static let line = "#4a4a4a"
  static let edge = "#7a7a7a"
  static let subtitle = "#6b6b6b"
  /// Mermaid's default theme, for `dlg diagram --theme mermaid`.
  static let mermaidFill = "#ececff"
  static let mermaidStroke = "#9370db"
  static let mermaidEdge = "#333333"
  static let mermaidText = "#333333"

  static func fill(_ family: Diagram.Family) -> String {
    switch family {
    case .input: "#dbeafe"
    case .output: "#e5e7eb"
    case .loss: "#fee2e2"
    case .convolution: "#ffedd5"
    case .dense: "#dcfce7"
    case .activation: "#f3e8ff"
    case .normalization: "#fef9c3"
    case .pooling: "#e0f2fe"
    case .reshape: "#f1f5f9"
    case .merge: "#fce7f3"
    case .recurrent: "#ccfbf1"
    case .attention: "#ede9fe"
    case .other: "#f5f5f4"
    case .plain: "#f8fafc"
    }
  }

  static func shape(_ shape: Diagram.Shape) -> (shape: String, style: String) {
    switch shape {
    case .box: ("box", "filled")
    case .rounded: ("box", "rounded,filled")
    case .stadium: ("box", "rounded,filled")
    case .circle: ("circle", "filled")
    case .doubleCircle: ("doublecircle", "filled")
    case .diamond: ("diamond", "filled")
    case .hexagon: ("hexagon", "filled")
    case .cylinder: ("cylinder", "filled")
    case .subroutine: ("box", "filled")
    case .parallelogram: ("parallelogram", "filled")
    case .trapezoid: ("trapezium", "filled")
    case .asymmetric: ("cds", "filled")
    }
  }
}
