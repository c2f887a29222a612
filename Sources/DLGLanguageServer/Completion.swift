import DLGGraph
import DLGLang
import DLGLowering
import Foundation

extension Document {
  /// Completions for the text before the cursor, read from the line as typed (the file may
  /// not parse while it is being written): layer types and blocks after `id:`, a layer's
  /// parameters and their values inside `[...]`, node names in edges, settings and their
  /// values in the train section, standard-library modules after `import`.
  func completions(at position: Position) -> [[String: Any]] {
    guard source.lineStarts.indices.contains(position.line) else { return [] }
    let line = source.lineText(position.line + 1)
    let offset = source.offset(of: position) - (source.lineStarts[safe: position.line] ?? 0)
    let before = String(decoding: Array(line.utf8).prefix(max(0, offset)), as: UTF8.self)
    let trimmed = String(before.drop { $0 == " " || $0 == "\t" })

    if trimmed.hasPrefix("import") {
      return Self.libraryModules(for: path).map { item($0, kind: 9) }
    }
    if section(before: position.line) == "train" { return trainCompletions(trimmed) }
    if let open = before.lastIndex(of: "["), !before[open...].contains("]") {
      let head = before[..<open].split(whereSeparator: {
        !($0.isLetter || $0.isNumber || $0 == "_")
      })
      return argumentCompletions(
        type: head.last.map(String.init) ?? "", typed: String(before[open...]))
    }
    if before.contains("-->") || before.contains("---") || before.contains("-.->")
      || before.contains("==>")
    {
      return nodeNames.map { item($0, kind: 6) }
    }
    if let colon = before.firstIndex(of: ":"),
      before[before.index(after: colon)...].allSatisfy({ $0.isLetter || $0.isNumber || $0 == " " })
    {
      return layerTypes
    }
    // The start of a line: a layer id, or the start of an edge from a layer.
    return nodeNames.map { item($0, kind: 6) }
  }

  private func item(_ label: String, kind: Int, detail: String? = nil, insert: String? = nil)
    -> [String: Any]
  {
    var object: [String: Any] = ["label": label, "kind": kind]
    if let detail { object["detail"] = detail }
    if let insert { object["insertText"] = insert }
    return object
  }

  /// Layer types (with their signatures) and the blocks this file can use.
  private var layerTypes: [[String: Any]] {
    LayerCatalog.all.map { item($0.name, kind: 7, detail: Self.signature($0)) }
      + file.blocks.map { item($0.name.name, kind: 7, detail: "block") }
  }

  /// The layer ids declared so far: parsed ones, and, since a file being typed may not
  /// parse, every `id:` at the start of an indented line outside the train section.
  private var nodeNames: [String] {
    var names: Set<String> = []
    for network in (file.network.map { [$0] } ?? []) + file.blocks.map(\.body) {
      names.formUnion(network.layers.compactMap { $0.id?.name })
    }
    var inTrain = false
    for index in 0..<source.lineStarts.count {
      let line = source.lineText(index + 1)
      if let header = Self.sectionHeader(line) { inTrain = header == "train" }
      guard !inTrain, line.first == " " || line.first == "\t" else { continue }
      let text = line.drop { $0 == " " || $0 == "\t" }
      let id = text.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
      if !id.isEmpty, text.dropFirst(id.count).first == ":" { names.insert(String(id)) }
    }
    return names.sorted()
  }

  /// Inside `Type[...`: the parameters not yet written, and the values of the one being
  /// written (an activation, a choice, a layer for `share:`).
  private func argumentCompletions(type: String, typed: String) -> [[String: Any]] {
    guard let spec = LayerCatalog.spec(named: type) else {
      if let block = file.blocks.first(where: { $0.name.name == type }) {
        return block.parameters.map { item($0.name.name, kind: 5, insert: "\($0.name.name): ") }
      }
      return []
    }
    let current = typed.split(separator: ",", omittingEmptySubsequences: false).last ?? ""
    if let colon = current.firstIndex(of: ":") {
      let label = current[..<colon].trimmingCharacters(in: .whitespaces)
      guard let parameter = spec.parameters.first(where: { $0.name == label }) else { return [] }
      return values(of: parameter).map { item($0, kind: 12) }
    }
    let written = Set(
      typed.split(separator: ",").compactMap { part -> String? in
        guard let colon = part.firstIndex(of: ":") else { return nil }
        return part[..<colon].trimmingCharacters(in: CharacterSet(charactersIn: "[ "))
      })
    var items = spec.parameters.filter { !written.contains($0.name) }.map { parameter in
      item(
        parameter.name, kind: 5,
        detail: parameter.defaultValue.map { "default \($0)" } ?? "required",
        insert: "\(parameter.name): ")
    }
    // A positional activation (`Dense[10, relu]`) is written without its label.
    if let activation = spec.parameters.first(where: { $0.name == "activation" }) {
      items += values(of: activation).map { item($0, kind: 12, detail: "activation") }
    }
    return items
  }

  private func values(of parameter: ParameterSpec) -> [String] {
    switch parameter.kind {
    case .choice(let names): names
    case .layerReference: nodeNames
    default: parameter.name == "activation" ? ActivationRegistry.names : []
    }
  }

  private func trainCompletions(_ trimmed: String) -> [[String: Any]] {
    // The key while it has no space after it; then the key's values.
    guard let space = trimmed.firstIndex(of: " ") else {
      return TrainSettings.all.map {
        item($0.key, kind: 10, detail: $0.summary, insert: $0.key + " ")
      }
    }
    let key = String(trimmed[..<space])
    let names: [String]
    switch key {
    case "optimizer": names = Optimizers.table.names
    case "schedule": names = Schedules.table.names
    case "data", "test": names = DataSourceFormats.table.names
    case "loss": names = LossRegistry.names
    case "metrics": names = MetricNames.all
    default: names = []
    }
    return names.map { item($0, kind: 3) }
  }

  /// The section header (`neuralnet`, `train`, `block`) of the nearest one above a line.
  private func section(before line: Int) -> String? {
    var index = min(line, source.lineStarts.count - 1)
    while index >= 0 {
      if let header = Self.sectionHeader(source.lineText(index + 1)) { return header }
      index -= 1
    }
    return nil
  }

  /// `neuralnet`, `train` or `block` when the line starts that section.
  static func sectionHeader(_ text: String) -> String? {
    guard let first = text.first, !first.isWhitespace, first != "%" else { return nil }
    let word = String(text.prefix { $0.isLetter })
    return ["neuralnet", "train", "block"].contains(word) ? word : nil
  }

  /// The modules `import` can name: the `.dlg` files of the standard library folders.
  static func libraryModules(for path: String) -> [String] {
    var names: Set<String> = []
    for folder in ModuleLoader.defaultLibraryPaths(for: path) {
      let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
      for file in files where file.hasSuffix(".dlg") { names.insert(String(file.dropLast(4))) }
    }
    return names.sorted()
  }
}

extension Array {
  fileprivate subscript(safe index: Int) -> Element? {
    indices.contains(index) ? self[index] : nil
  }
}
