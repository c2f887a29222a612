import DLGGraph

/// Every layer type the language knows, looked up by name or alias. Each layer lives in its
/// own file under `Layers/` as a static member of this type.
public enum LayerCatalog {
  /// All layer types, executable ones first.
  public static let all: [LayerSpec] =
    [
      input, dense, conv2D, flatten, reshape, relu, softmax, activation, output, add, maxPool2D,
      avgPool2D, globalAvgPool2D, sigmoid, tanh, f32Input, i32Input, dropout, multiply, concat,
      conv1D, maxPool1D, avgPool1D, globalMaxPool1D, globalAvgPool1D, globalMaxPool2D, embedding,
      gelu, batchNorm, normalize,
    ]
    + drawableOnly

  private static let byName: [String: LayerSpec] = {
    var table: [String: LayerSpec] = [:]
    for spec in all {
      for name in [spec.name] + spec.aliases where table[name] == nil { table[name] = spec }
    }
    return table
  }()

  /// The layer type spelled `name`, if any.
  public static func spec(named name: String) -> LayerSpec? { byName[name] }

  /// Every spelling, for did-you-mean suggestions.
  public static var allNames: [String] { Array(byName.keys).sorted() }
}
