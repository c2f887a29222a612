import Foundation

/// A dataset from NumPy arrays: features `[N, ...]` of any per-sample shape (float32/64, or
/// uint8 kept as bytes and scaled as batches are gathered) and, optionally, labels `[N]` of
/// integers (classes) or floats `[N]` / `[N, k]` (regression targets). `.npy` files are
/// mapped, not read, so a large array is never held twice.
public enum NPYDataset {
  /// `npy(features: "x.npy", labels: "y.npy")`.
  public static func load(features: String, labels: String?, scale: Float) throws(DataError)
    -> Dataset
  {
    let featureData = try NPY.mapped(path: features)
    let labelData = try labels.map { path throws(DataError) in try NPY.mapped(path: path) }
    return try dataset(
      features: (featureData, features), labels: labelData.map { ($0, labels!) }, scale: scale)
  }

  /// `npy("data.npz", features: "x", labels: "y")`: arrays of an `.npz` archive, by name.
  public static func load(archive path: String, features: String, labels: String?, scale: Float)
    throws(DataError) -> Dataset
  {
    let bytes = try readFile(path)
    let entries = try NPZ.entries(bytes, source: path)
    func array(_ name: String) throws(DataError) -> Data {
      guard let entry = entries[name] else {
        throw DataError(
          path, "has no array `\(name)`",
          help: "its arrays are: " + entries.keys.sorted().joined(separator: ", "))
      }
      return Data(try entry.bytes(in: bytes, source: path))
    }
    let labelData = try labels.map { name throws(DataError) in try array(name) }
    return try dataset(
      features: (try array(features), "\(path): \(features)"),
      labels: labelData.map { ($0, "\(path): \(labels!)") }, scale: scale)
  }

  static func dataset(
    features: (data: Data, source: String), labels: (data: Data, source: String)?, scale: Float
  ) throws(DataError) -> Dataset {
    let result = features.data.withUnsafeBytes { raw in
      Result { () throws(DataError) -> Dataset in
        let layout = try NPY.Layout(raw, source: features.source)
        guard layout.dimensions.count >= 1, layout.dimensions[0] > 0 else {
          throw DataError(
            features.source, "holds no samples (shape \(layout.dimensions))",
            help: "features are an array [samples, ...]")
        }
        let count = layout.dimensions[0]
        let shape = layout.dimensions.count == 1 ? [1] : Array(layout.dimensions.dropFirst())
        var (classes, targets, width) = ([Int32](repeating: 0, count: count), [Float](), 0)
        if let labels {
          (classes, targets, width) = try read(labels, count: count)
        }
        var data: Dataset
        if layout.descr == "|u1" {
          data = Dataset(
            bytes: layout.bytes(raw), scale: scale, sampleShape: shape, labels: classes)
        } else {
          var values = layout.floats(raw)
          if scale != 1 { for i in values.indices { values[i] *= scale } }
          guard values.allSatisfy(\.isFinite) else {
            throw DataError(features.source, "holds NaN or infinite values")
          }
          data = Dataset(features: values, sampleShape: shape, labels: classes)
        }
        data.targets = targets
        data.targetWidth = width
        return data
      }
    }
    return try result.get()
  }

  /// Integer labels (one class per sample), or float targets (`width` per sample).
  static func read(_ labels: (data: Data, source: String), count: Int) throws(DataError)
    -> (classes: [Int32], targets: [Float], width: Int)
  {
    let result = labels.data.withUnsafeBytes { raw in
      Result { () throws(DataError) -> ([Int32], [Float], Int) in
        let layout = try NPY.Layout(raw, source: labels.source)
        guard layout.dimensions.first == count, layout.dimensions.count <= 2 else {
          throw DataError(
            labels.source,
            "has shape \(layout.dimensions), but the features hold \(count) samples",
            help: "labels are an array [samples] (classes) or [samples, k] (targets)")
        }
        let values = layout.floats(raw)
        if layout.isFloat {
          guard values.allSatisfy(\.isFinite) else {
            throw DataError(labels.source, "holds NaN or infinite targets")
          }
          return ([Int32](repeating: 0, count: count), values, values.count / count)
        }
        guard layout.dimensions.count == 1 else {
          throw DataError(
            labels.source, "integer labels are one class per sample: shape [\(count)]")
        }
        guard let bad = values.firstIndex(where: { $0 < 0 || $0 > Float(Int32.max) }) else {
          return (values.map { Int32($0) }, [], 0)
        }
        throw DataError(
          labels.source, "label \(Int64(values[bad])) of sample \(bad) is not a class (0, 1, ...)")
      }
    }
    return try result.get()
  }
}
