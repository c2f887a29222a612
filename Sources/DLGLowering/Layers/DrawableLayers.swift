import DLGGraph

extension LayerCatalog {
  /// Layer types of Mermaid's `neuralnet` vocabulary that dlg parses and draws but cannot run
  /// yet; `dlg run` names the first such layer at its line.
  static let drawableOnly: [LayerSpec] = [
    ("Conv3D", OpFamily.convolution),
    ("MaxPool3D", .pooling),
    ("AvgPool3D", .pooling),

  ].map { name, family in
    LayerSpec(name: name, inputArity: 0...Int.max, family: family, lowering: nil)
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  for spec in LayerCatalog.drawableOnly { LayerCatalog.register(spec) }
}
