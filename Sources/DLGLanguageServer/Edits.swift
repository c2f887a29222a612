import DLGLang

extension Document {
  /// `dlg fmt`'s layout as one edit of the whole text; none when the file has syntax errors
  /// or is formatted already.
  var formattingEdits: [[String: Any]] {
    guard let formatted = Formatter.format(source), formatted != source.text else { return [] }
    let end = source.position(of: source.location(of: source.bytes.count))
    let whole: [String: Any] = [
      "start": Position(line: 0, character: 0).json, "end": end.json,
    ]
    return [["range": whole, "newText": formatted]]
  }

  /// Quick fixes for the diagnostics in the requested range that carry a certain fix (the
  /// name a did-you-mean suggests).
  func codeActions(_ params: [String: Any]) -> [[String: Any]] {
    let requested = params["range"] as? [String: Any]
    let first = Position(json: requested?["start"]).map(source.offset(of:)) ?? 0
    let last = Position(json: requested?["end"]).map(source.offset(of:)) ?? source.bytes.count
    return diagnostics.compactMap { diagnostic -> [String: Any]? in
      guard let replacement = diagnostic.replacement, let range = diagnostic.range,
        range.file == source.path, range.start.offset <= last, first <= range.end.offset
      else { return nil }
      let edit: [String: Any] = ["range": source.rangeJSON(range), "newText": replacement]
      return [
        "title": "Replace with `\(replacement)`", "kind": "quickfix", "isPreferred": true,
        "edit": ["changes": [uri: [edit]]],
      ]
    }
  }
}
