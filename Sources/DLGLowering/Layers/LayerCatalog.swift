import DLGGraph

/// Every layer type the language knows, looked up by name or alias. Each layer lives in its
/// own file under `Layers/` as a static member of this type and registers itself there; every
/// registered activation with a layer name adds one more (`activationLayers`).
public enum LayerCatalog {
  private static let table = RegistryTable<LayerSpec>()

  /// Registers layer types; called from a file's `Registration`.
  public static func register(_ specs: LayerSpec...) {
    for spec in specs { table.add(spec) }
  }

  /// All layer types, executable ones first, then by name.
  public static let all: [LayerSpec] = (table.all + activationLayers).sorted {
    ($0.lowering == nil ? 1 : 0, $0.name) < ($1.lowering == nil ? 1 : 0, $1.name)
  }

  private static let byName: [String: LayerSpec] = {
    var table: [String: LayerSpec] = [:]
    for spec in all {
      for name in [spec.name] + spec.aliases {
        precondition(table[name] == nil, "two layer types are spelled \(name)")
        table[name] = spec
      }
    }
    return table
  }()

  /// The layer type spelled `name`, if any.
  public static func spec(named name: String) -> LayerSpec? { byName[name] }

  /// Every spelling, for did-you-mean suggestions.
  public static var allNames: [String] { Array(byName.keys).sorted() }
}
