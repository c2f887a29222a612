import DLGLang

extension Document {
  /// The outline: the network and its layers, each block and its layers, the train section
  /// and its settings (LSP `DocumentSymbol`s, nested).
  var symbols: [[String: Any]] {
    let here = source.path
    func symbol(
      _ name: String, _ detail: String, kind: Int, _ range: SourceRange, _ selection: SourceRange,
      children: [[String: Any]] = []
    ) -> [String: Any] {
      // Editors refuse a symbol without a name (a half-typed line can make one).
      [
        "name": name.isEmpty ? "(unnamed)" : name, "detail": detail, "kind": kind,
        "range": source.rangeJSON(range),
        "selectionRange": source.rangeJSON(selection), "children": children,
      ]
    }
    func layers(_ network: NetworkSection) -> [[String: Any]] {
      network.layers.filter { $0.range.file == here }.map { layer in
        let arguments = file.argumentsText(of: layer)
        return symbol(
          layer.id?.name ?? layer.type.name,
          layer.type.name + (arguments.isEmpty ? "" : "[\(arguments)]"),
          kind: 13, layer.range, layer.id?.range ?? layer.type.range)
      }
    }
    var result: [[String: Any]] = []
    if let network = file.network, network.range.file == here {
      result.append(
        symbol(
          network.title.flatMap { $0.isEmpty ? nil : $0 } ?? "neuralnet",
          "\(network.layers.count) layers", kind: 2, network.range,
          network.range, children: layers(network)))
    }
    for block in file.blocks where block.range.file == here {
      result.append(
        symbol(
          block.name.name, "block", kind: 12, block.range, block.name.range,
          children: layers(block.body)))
    }
    if let train = file.train, train.range.file == here {
      let settings = train.entries.map { entry in
        symbol(
          entry.key.name, file.text(of: entry.value.range), kind: 7, entry.range, entry.key.range)
      }
      result.append(symbol("train", "", kind: 3, train.range, train.range, children: settings))
    }
    return result
  }
}
