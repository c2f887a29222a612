import DLGLang

extension Document {
  /// Where the name under the cursor is declared: a layer for a node name, a block (in this
  /// file or an imported one) for a block used as a layer type, the file of an import.
  func definition(at position: Position) -> [[String: Any]] {
    guard let target = target(at: source.offset(of: position)) else { return [] }
    switch target {
    case .edgeNode(let name, let block):
      guard let decl = declaration(of: name.name, block: block), let id = decl.id else {
        return []
      }
      return [location(id.range)]
    case .layerID(let decl, _):
      return decl.id.map { [location($0.range)] } ?? []
    case .layerType(let decl, _):
      guard let block = file.blocks.first(where: { $0.name.name == decl.type.name }) else {
        return []
      }
      return [location(block.name.range)]
    case .blockName(let block):
      return [location(block.name.range)]
    case .importDecl(let decl):
      guard let imported = importedSource(decl) else { return [] }
      let start = Position(line: 0, character: 0).json
      return [["uri": Document.uri(of: imported.path), "range": ["start": start, "end": start]]]
    case .setting:
      return []
    }
  }

  /// Every use of the layer under the cursor in its network (its declaration included), or of
  /// the block under it as a layer type.
  func references(at position: Position) -> [[String: Any]] {
    guard let target = target(at: source.offset(of: position)) else { return [] }
    let name: String
    let scope: BlockDecl?
    switch target {
    case .edgeNode(let node, let block):
      (name, scope) = (node.name, block)
    case .layerID(let decl, let block):
      guard let id = decl.id else { return [] }
      (name, scope) = (id.name, block)
    case .layerType(let decl, _) where file.blocks.contains { $0.name.name == decl.type.name }:
      return blockUses(decl.type.name)
    case .blockName(let block):
      return blockUses(block.name.name)
    default:
      return []
    }
    guard let network = scope?.body ?? file.network else { return [] }
    var ranges = network.layers.compactMap { $0.id?.name == name ? $0.id?.range : nil }
    for chain in network.chains { ranges += chain.nodes.filter { $0.name == name }.map(\.range) }
    return ranges.sorted { $0.start.offset < $1.start.offset }.map(location)
  }

  private func blockUses(_ name: String) -> [[String: Any]] {
    var ranges: [SourceRange] = file.blocks.filter { $0.name.name == name }.map(\.name.range)
    let networks = (file.network.map { [$0] } ?? []) + file.blocks.map(\.body)
    for network in networks {
      ranges += network.layers.filter { $0.type.name == name }.map(\.type.range)
    }
    return ranges.map(location)
  }

  /// An LSP location of a range in this file or one it imported.
  func location(_ range: SourceRange) -> [String: Any] {
    let file = sourceFile(range.file) ?? source
    return [
      "uri": range.file == source.path ? uri : Document.uri(of: range.file),
      "range": file.rangeJSON(range),
    ]
  }
}
