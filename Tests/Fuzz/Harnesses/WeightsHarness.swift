import DLG

extension FuzzHarness {
  /// A safetensors file as `dlg eval --weights`, `dlg predict` and `dlg generate` read it: the
  /// header, each tensor's checksum, the saved vocabulary; then loaded into a model.
  public static let safetensors = FuzzHarness(
    name: "safetensors", summary: "safetensors reader, checksums, vocabulary, weight loading"
  ) { bytes in
    guard let (tensors, metadata) = try? SafeTensors.decode(bytes, source: "fuzz.safetensors")
    else { return false }
    for (name, tensor) in tensors {
      let elements = tensor.shape.reduce(1, *)
      require(elements == tensor.values.count, "`\(name)` has a shape that is not its values")
    }
    if let json = metadata["vocabulary"] { _ = Vocabulary(json: json) }
    if let json = metadata["tokens"] { _ = Vocabulary(json: json) }
    _ = try? FuzzResources.trainer.loadWeights(from: bytes, source: "fuzz.safetensors")
    return true
  }

  /// A checkpoint as `dlg run --resume` reads it: its settings, position and optimizer state
  /// checked against a small model with batch normalization and Adam.
  public static let checkpoint = FuzzHarness(
    name: "checkpoint", summary: "checkpoint resume: settings, position, optimizer state"
  ) { bytes in
    (try? FuzzResources.trainer.resume(from: bytes, source: "fuzz.checkpoint")) != nil
  }
}
