import DLGLang
import DLGLowering

/// What the cursor is on.
enum Target {
  /// A layer's own id where it is declared (`conv:`).
  case layerID(LayerDecl, block: BlockDecl?)
  /// The layer type of a declaration (`Conv2D`, or a block's name used as a layer).
  case layerType(LayerDecl, block: BlockDecl?)
  /// A name in an edge chain (`conv --> flat`).
  case edgeNode(Identifier, block: BlockDecl?)
  case blockName(BlockDecl)
  case setting(TrainEntry)
  case importDecl(ImportDecl)
}

extension Document {
  /// The syntax under a byte offset of this file, if any.
  func target(at offset: Int) -> Target? {
    let here = source.path
    func inNetwork(_ network: NetworkSection, _ block: BlockDecl?) -> Target? {
      for layer in network.layers where layer.range.file == here {
        if let id = layer.id, id.range.contains(offset: offset) {
          return .layerID(layer, block: block)
        }
        if layer.type.range.contains(offset: offset) { return .layerType(layer, block: block) }
      }
      for chain in network.chains where chain.range.file == here {
        if let node = chain.nodes.first(where: { $0.range.contains(offset: offset) }) {
          return .edgeNode(node, block: block)
        }
      }
      return nil
    }
    if let network = file.network, let found = inNetwork(network, nil) { return found }
    for block in file.blocks where block.range.file == here {
      if block.name.range.contains(offset: offset) { return .blockName(block) }
      if let found = inNetwork(block.body, block) { return found }
    }
    if let entry = file.train?.entries.first(where: {
      $0.range.file == here && $0.key.range.contains(offset: offset)
    }) {
      return .setting(entry)
    }
    if let found = file.imports.first(where: { $0.range.contains(offset: offset) }) {
      return .importDecl(found)
    }
    return nil
  }

  /// The declaration of the layer a name refers to, in the network it is used in.
  func declaration(of name: String, block: BlockDecl?) -> LayerDecl? {
    let network = block?.body ?? file.network
    return network?.layers.first { $0.id?.name == name }
  }

  /// The lowered layer for a top-level id (block layers are lowered per use).
  func layerInfo(_ id: String) -> LayerInfo? {
    model?.layers.first { $0.id == id && $0.blockPath.isEmpty }
  }

  /// The imported file an import statement resolved to.
  func importedSource(_ decl: ImportDecl) -> SourceFile? {
    let name = decl.path.hasSuffix(".dlg") ? decl.path : decl.path + ".dlg"
    return sources.first { $0.path != source.path && $0.path.hasSuffix("/" + name) }
      ?? sources.first { $0.path != source.path && $0.path.hasSuffix(name) }
  }
}
