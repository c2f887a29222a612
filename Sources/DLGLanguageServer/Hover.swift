import DLGLang
import DLGLowering

extension Document {
  /// Markdown about what is under the cursor: a layer's op, arguments, output shape and
  /// parameter count; a layer type's parameters; a setting's meaning and default.
  func hover(at position: Position) -> [String: Any]? {
    let offset = source.offset(of: position)
    guard let target = target(at: offset) else { return nil }
    let text: String
    let range: SourceRange
    switch target {
    case .layerID(let decl, let block):
      guard let id = decl.id else { return nil }
      text = layerHover(decl, id: id.name, block: block)
      range = id.range
    case .edgeNode(let name, let block):
      guard let decl = declaration(of: name.name, block: block) else {
        return markdown(
          block != nil && name.name == "in"
            ? "`in`: the input of block `\(block!.name.name)`" : "no layer named `\(name.name)`",
          name.range)
      }
      text = layerHover(decl, id: name.name, block: block)
      range = name.range
    case .layerType(let decl, _):
      text = typeHover(decl.type.name) ?? "unknown layer type `\(decl.type.name)`"
      range = decl.type.range
    case .blockName(let block):
      text = typeHover(block.name.name) ?? block.name.name
      range = block.name.range
    case .setting(let entry):
      guard let setting = TrainSettings.named(entry.key.name) else {
        return markdown("unknown train setting `\(entry.key.name)`", entry.key.range)
      }
      text = "**\(setting.key)**: \(setting.summary)\n\ndefault: \(setting.defaultValue)"
      range = entry.key.range
    case .importDecl(let decl):
      text = importedSource(decl).map { "imports `\($0.path)`" } ?? "`\(decl.path)` was not found"
      range = decl.range
    }
    return markdown(text, range)
  }

  private func markdown(_ text: String, _ range: SourceRange) -> [String: Any] {
    ["contents": ["kind": "markdown", "value": text], "range": source.rangeJSON(range)]
  }

  private func layerHover(_ decl: LayerDecl, id: String, block: BlockDecl?) -> String {
    let arguments = file.argumentsText(of: decl)
    var lines = ["**\(id)**: `\(decl.type.name)\(arguments.isEmpty ? "" : "[\(arguments)]")`"]
    if let info = block == nil ? layerInfo(id) : nil {
      var facts: [String] = []
      if let type = info.outputType { facts.append("output `\(type.shapeDescription)`") }
      facts.append(info.parameterCount == 1 ? "1 parameter" : "\(info.parameterCount) parameters")
      if !info.inputs.isEmpty {
        facts.append("from " + info.inputs.map { "`\($0)`" }.joined(separator: ", "))
      }
      lines.append(facts.joined(separator: " · "))
    } else if let block {
      lines.append("in block `\(block.name.name)` (shapes depend on each use)")
    }
    if let type = typeHover(decl.type.name) { lines.append(type) }
    return lines.joined(separator: "\n\n")
  }

  /// A layer type's signature and aliases, or a block's parameters.
  func typeHover(_ name: String) -> String? {
    if let spec = LayerCatalog.spec(named: name) {
      var text = "`" + Self.signature(spec) + "`"
      let names = ([spec.name] + spec.aliases).filter { $0 != name }
      if !names.isEmpty {
        text += " (also " + names.map { "`\($0)`" }.joined(separator: ", ") + ")"
      }
      if spec.lowering == nil { text += "\n\ndrawn by `dlg viz`, not run yet" }
      return text
    }
    guard let block = file.blocks.first(where: { $0.name.name == name }) else { return nil }
    let parameters = block.parameters.map { parameter in
      parameter.name.name + (parameter.defaultValue.map { ": " + file.text(of: $0.range) } ?? "")
    }
    return
      "block `\(name)[\(parameters.joined(separator: ", "))]`, \(block.body.layers.count) layers"
  }

  /// `Conv2D[filters, kernel, activation: linear, stride: 1, ...]`.
  static func signature(_ spec: LayerSpec) -> String {
    let parameters = spec.parameters.map { parameter in
      parameter.defaultValue.map { "\(parameter.name): \($0)" }
        ?? (parameter.optional ? "\(parameter.name)?" : parameter.name)
    }
    return parameters.isEmpty ? spec.name : "\(spec.name)[\(parameters.joined(separator: ", "))]"
  }
}
