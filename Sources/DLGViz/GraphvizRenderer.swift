import CGraphviz
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Output formats `dlg viz` and `dlg diagram` write.
public enum OutputFormat: String, Sendable, CaseIterable {
  case svg, png, pdf, dot

  /// The format a path's extension names, or nil.
  public init?(path: String) {
    guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
    self.init(rawValue: path[path.index(after: dot)...].lowercased())
  }
}

/// Why Graphviz could not render, in Graphviz's own words.
public struct RenderError: Error, Sendable, CustomStringConvertible {
  public var message: String
  public var description: String { message }

  public init(message: String) { self.message = message }
}

/// Lays out and renders DOT in-process through libgvc: no `dot` subprocess, no temporary files.
public enum GraphvizRenderer {
  /// The process's one Graphviz context, made by the first render and never freed. Graphviz
  /// keeps global state and is not thread-safe, so the lock also makes renders one at a time.
  ///
  /// One context, not one per render: Graphviz's pango plugin remembers the last font it
  /// measured by a pointer into the context's font table, so a second context made the next
  /// picture's text measurement read the freed table of the first (AddressSanitizer found it).
  private static let shared = Mutex(Context())

  private struct Context: @unchecked Sendable {
    var pointer: OpaquePointer?
  }

  public static func render(dot: String, format: OutputFormat) throws(RenderError) -> [UInt8] {
    if format == .dot { return Array(dot.utf8) }
    return try shared.withLock { shared throws(RenderError) -> [UInt8] in
      if shared.pointer == nil { shared.pointer = gvContext() }
      guard let context = shared.pointer else {
        throw RenderError(message: "cannot start Graphviz")
      }
      agseterr(AGMAX)  // keep Graphviz from printing; we report its last error instead
      guard let graph = dot.withCString({ agmemread($0) }) else {
        throw RenderError(message: "invalid DOT: " + lastError())
      }
      defer { agclose(graph) }
      if format == .png {
        // Twice the default 72 dpi: crisp at README width and on high-density screens.
        setAttribute(graph, "dpi", "144")
      }
      guard gvLayout(context, graph, "dot") == 0 else {
        throw RenderError(message: "layout failed: " + lastError())
      }
      defer { gvFreeLayout(context, graph) }
      // cairo renders PNG and PDF with proper text shaping (pango), which CJK labels need.
      let renderer = format == .svg ? "svg" : "\(format.rawValue):cairo"
      var data: UnsafeMutablePointer<CChar>?
      var length: UInt32 = 0
      guard gvRenderData(context, graph, renderer, &data, &length) == 0, let data else {
        throw RenderError(message: "cannot render \(format.rawValue): " + lastError())
      }
      defer { gvFreeRenderData(data) }
      return data.withMemoryRebound(to: UInt8.self, capacity: Int(length)) {
        Array(UnsafeBufferPointer(start: $0, count: Int(length)))
      }
    }
  }

  /// Sets a graph attribute; cgraph takes mutable C strings, so pass copies.
  private static func setAttribute(
    _ graph: UnsafeMutablePointer<Agraph_t>, _ name: String, _ value: String
  ) {
    var name = Array(name.utf8CString)
    var value = Array(value.utf8CString)
    var empty = Array("".utf8CString)
    name.withUnsafeMutableBufferPointer { n in
      value.withUnsafeMutableBufferPointer { v in
        empty.withUnsafeMutableBufferPointer { e in
          _ = agsafeset(graph, n.baseAddress, v.baseAddress, e.baseAddress)
        }
      }
    }
  }

  private static func lastError() -> String {
    guard let message = aglasterr() else { return "unknown error" }
    defer { free(message) }
    return String(cString: message).trimmingCharacters()
  }
}

extension String {
  fileprivate func trimmingCharacters() -> String {
    var s = Substring(self)
    while s.last?.isWhitespace == true { s.removeLast() }
    while s.first?.isWhitespace == true { s.removeFirst() }
    return String(s)
  }
}

extension Diagram {
  /// The most nodes and edges Graphviz is asked to lay out: its layout grows faster than
  /// linearly, and a Mermaid cross product (`A1 & … & A300 --> B1 & … & B300`, 90,000 edges)
  /// would run for many minutes without a word. A 5,000-layer model takes a few seconds.
  public static let maximumNodes = 20_000
  public static let maximumEdges = 40_000

  /// Why this diagram is too large to lay out, or nil.
  public var sizeProblem: String? {
    guard nodes.count > Self.maximumNodes || edges.count > Self.maximumEdges else { return nil }
    return "the picture has \(nodes.count) boxes and \(edges.count) arrows, more than Graphviz "
      + "lays out in reasonable time (\(Self.maximumNodes) and \(Self.maximumEdges)): draw a "
      + "part of it, collapse blocks with --depth, or write .dot and lay it out yourself"
  }
}
