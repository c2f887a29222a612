import Foundation

/// Line charts drawn straight to SVG (no Graphviz): training curves, one panel per metric.
public enum LineChart {
  /// One line: a name for the legend and its points.
  public struct Series: Sendable {
    public var name: String
    public var points: [(x: Double, y: Double)]
    /// Dashed lines for test/validation series, solid for training.
    public var dashed: Bool

    public init(name: String, points: [(x: Double, y: Double)], dashed: Bool = false) {
      self.name = name
      self.points = points
      self.dashed = dashed
    }
  }

  /// One chart of several series sharing axes.
  public struct Panel: Sendable {
    public var title: String
    public var xLabel: String
    public var series: [Series]

    public init(title: String, xLabel: String, series: [Series]) {
      self.title = title
      self.xLabel = xLabel
      self.series = series
    }
  }

  static let colors = ["#2563eb", "#dc2626", "#059669", "#d97706"]
  static let panelWidth = 420.0
  static let panelHeight = 280.0
  static let margin = (left: 56.0, right: 16.0, top: 36.0, bottom: 44.0)

  /// Panels side by side in one SVG document.
  public static func svg(_ panels: [Panel], title: String? = nil) -> String {
    let top = title == nil ? 0.0 : 28.0
    let width = panelWidth * Double(max(panels.count, 1))
    let height = panelHeight + top
    var out = """
      <?xml version="1.0" encoding="UTF-8"?>
      <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
      viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica,Arial,Noto Sans CJK SC,sans-serif">
      <rect width="100%" height="100%" fill="white"/>

      """
    if let title {
      out += "<text x=\"\(Int(width / 2))\" y=\"20\" text-anchor=\"middle\" font-size=\"15\" "
      out += "font-weight=\"bold\">\(escape(title))</text>\n"
    }
    for (index, panel) in panels.enumerated() {
      out += "<g transform=\"translate(\(Int(Double(index) * panelWidth)),\(Int(top)))\">\n"
      out += panelSVG(panel)
      out += "</g>\n"
    }
    return out + "</svg>\n"
  }

  private static func panelSVG(_ panel: Panel) -> String {
    let plotWidth = panelWidth - margin.left - margin.right
    let plotHeight = panelHeight - margin.top - margin.bottom
    let points = panel.series.flatMap(\.points).filter { $0.y.isFinite }
    var (xMin, xMax) = (points.map(\.x).min() ?? 0, points.map(\.x).max() ?? 1)
    var (yMin, yMax) = (points.map(\.y).min() ?? 0, points.map(\.y).max() ?? 1)
    if xMax <= xMin { (xMin, xMax) = (xMin - 0.5, xMax + 0.5) }
    if yMax <= yMin { (yMin, yMax) = (yMin - 0.5, yMax + 0.5) }
    let yTicks = niceTicks(yMin, yMax)
    (yMin, yMax) = (min(yMin, yTicks.first ?? yMin), max(yMax, yTicks.last ?? yMax))
    func px(_ x: Double) -> Double { margin.left + (x - xMin) / (xMax - xMin) * plotWidth }
    func py(_ y: Double) -> Double { margin.top + (1 - (y - yMin) / (yMax - yMin)) * plotHeight }
    var out = "<text x=\"\(Int(margin.left + plotWidth / 2))\" y=\"22\" text-anchor=\"middle\" "
    out += "font-size=\"13\" font-weight=\"bold\">\(escape(panel.title))</text>\n"
    for tick in yTicks {
      let y = format(py(tick))
      out += "<line x1=\"\(format(margin.left))\" x2=\"\(format(margin.left + plotWidth))\" "
      out += "y1=\"\(y)\" y2=\"\(y)\" stroke=\"#e5e7eb\"/>\n"
      out += "<text x=\"\(format(margin.left - 6))\" y=\"\(y)\" dy=\"4\" text-anchor=\"end\" "
      out += "font-size=\"10\" fill=\"#4b5563\">\(label(tick))</text>\n"
    }
    for tick in niceTicks(xMin, xMax, integers: true) where tick >= xMin && tick <= xMax {
      let x = format(px(tick))
      out += "<text x=\"\(x)\" y=\"\(format(margin.top + plotHeight + 16))\" "
      out += "text-anchor=\"middle\" font-size=\"10\" fill=\"#4b5563\">\(label(tick))</text>\n"
    }
    out += "<rect x=\"\(format(margin.left))\" y=\"\(format(margin.top))\" "
    out += "width=\"\(format(plotWidth))\" height=\"\(format(plotHeight))\" fill=\"none\" "
    out += "stroke=\"#9ca3af\"/>\n"
    out += "<text x=\"\(format(margin.left + plotWidth / 2))\" y=\"\(format(panelHeight - 8))\" "
    out +=
      "text-anchor=\"middle\" font-size=\"11\" fill=\"#374151\">\(escape(panel.xLabel))</text>\n"
    for (index, series) in panel.series.enumerated() {
      let color = colors[index % colors.count]
      let path = series.points.filter { $0.y.isFinite }
        .map { "\(format(px($0.x))),\(format(py($0.y)))" }.joined(separator: " ")
      let dash = series.dashed ? " stroke-dasharray=\"5 3\"" : ""
      out += "<polyline class=\"series\" points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" "
      out += "stroke-width=\"2\"\(dash)/>\n"
      for point in series.points where point.y.isFinite {
        out += "<circle cx=\"\(format(px(point.x)))\" cy=\"\(format(py(point.y)))\" r=\"2.5\" "
        out += "fill=\"\(color)\"/>\n"
      }
      let legendY = margin.top + 14 + Double(index) * 15
      let legendX = margin.left + plotWidth - 100
      out += "<line x1=\"\(format(legendX))\" x2=\"\(format(legendX + 18))\" "
      out += "y1=\"\(format(legendY))\" y2=\"\(format(legendY))\" stroke=\"\(color)\" "
      out += "stroke-width=\"2\"\(dash)/>\n"
      out += "<text x=\"\(format(legendX + 24))\" y=\"\(format(legendY))\" dy=\"4\" "
      out += "font-size=\"11\">\(escape(series.name))</text>\n"
    }
    return out
  }

  /// About five round tick values covering `low...high`.
  static func niceTicks(_ low: Double, _ high: Double, integers: Bool = false) -> [Double] {
    let span = high - low
    guard span > 0, span.isFinite else { return [low] }
    let raw = span / 5
    let magnitude = pow(10, floor(log10(raw)))
    var step = [1.0, 2.0, 2.5, 5.0, 10.0].map { $0 * magnitude }.first { $0 >= raw } ?? raw
    if integers { step = max(1, step.rounded(.up)) }
    var ticks: [Double] = []
    var tick = floor(low / step) * step
    while tick <= high + step * 0.5, ticks.count < 50 {
      ticks.append(tick)
      tick += step
    }
    return ticks
  }

  private static func label(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e6
      ? String(Int(value)) : String(format: "%.3g", value)
  }

  private static func format(_ value: Double) -> String { String(format: "%.1f", value) }

  private static func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;")
  }
}
