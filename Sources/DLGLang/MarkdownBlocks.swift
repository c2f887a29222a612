/// The ```` ```mermaid ```` blocks of a Markdown document.
public enum MarkdownBlocks {
  /// Each mermaid block as a source whose line numbers are those of the Markdown file (the
  /// other lines are left empty), so diagnostics point into the document the user edits.
  public static func mermaid(in document: SourceFile) -> [SourceFile] {
    let lines = document.text.split(separator: "\n", omittingEmptySubsequences: false)
    var blocks: [SourceFile] = []
    var current: [Int]? = nil
    var fence = ""
    for (index, rawLine) in lines.enumerated() {
      let line = rawLine.trimmingSpaces()
      if current == nil {
        if line.hasPrefix("```mermaid") || line.hasPrefix("~~~mermaid") {
          current = []
          fence = String(line.prefix(3))
        }
      } else if line.hasPrefix(fence) {
        let body = current!
        let text = lines.indices.map { body.contains($0) ? String(lines[$0]) : "" }
          .joined(separator: "\n")
        blocks.append(SourceFile(path: document.path, text: text))
        current = nil
      } else {
        current!.append(index)
      }
    }
    return blocks
  }
}

extension Substring {
  fileprivate func trimmingSpaces() -> String { String(self).trimmingSpaces() }
}
