import Foundation

/// Labelled samples in memory: `count` samples of `sampleShape` floats each, contiguous and
/// row-major, with one integer class label per sample.
public struct Dataset: Sendable {
  public var features: [Float]
  public var sampleShape: [Int]
  public var labels: [Int32]
  /// Regression targets, `targetWidth` per sample (empty for classification data).
  public var targets: [Float]
  public var targetWidth: Int

  public init(
    features: [Float], sampleShape: [Int], labels: [Int32], targets: [Float] = [],
    targetWidth: Int = 0
  ) {
    self.features = features
    self.sampleShape = sampleShape
    self.labels = labels
    self.targets = targets
    self.targetWidth = targetWidth
  }

  public var count: Int { labels.count }
  public var sampleSize: Int { sampleShape.reduce(1, *) }
  /// The largest label plus one.
  public var classCount: Int { Int(labels.max() ?? -1) + 1 }

  /// Copies the given samples into caller-owned buffers, one `memcpy` per sample.
  public func gather<C: Collection<Int>>(
    _ indices: C, features target: UnsafeMutablePointer<Float>,
    labels labelTarget: UnsafeMutablePointer<Int32>
  ) {
    let size = sampleSize
    features.withUnsafeBufferPointer { source in
      labels.withUnsafeBufferPointer { labelSource in
        for (slot, index) in indices.enumerated() {
          (target + slot * size).update(from: source.baseAddress! + index * size, count: size)
          labelTarget[slot] = labelSource[index]
        }
      }
    }
  }
}

extension Dataset {
  /// `gather` for integer inputs (word ids): the stored values converted to Int32.
  public func gatherInts<C: Collection<Int>>(_ indices: C, into target: UnsafeMutablePointer<Int32>)
  {
    let size = sampleSize
    features.withUnsafeBufferPointer { source in
      for (slot, index) in indices.enumerated() {
        for i in 0..<size { target[slot * size + i] = Int32(source[index * size + i]) }
      }
    }
  }

  /// Copies the given samples' regression targets into a caller-owned buffer.
  public func gatherTargets<C: Collection<Int>>(
    _ indices: C, into target: UnsafeMutablePointer<Float>
  ) {
    let width = targetWidth
    targets.withUnsafeBufferPointer { source in
      for (slot, index) in indices.enumerated() {
        (target + slot * width).update(from: source.baseAddress! + index * width, count: width)
      }
    }
  }
}

/// MNIST-layout datasets: `<split>-images-idx3-ubyte[.gz]` and `<split>-labels-idx1-ubyte[.gz]`.
public enum IDXDataset {
  public static func load(directory: String, split: String, scale: Float) throws(DataError)
    -> Dataset
  {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory),
      isDirectory.boolValue
    else {
      throw DataError(
        directory, "no such folder",
        help: directory.contains("fashion-mnist")
          ? "install it with: apt-get install dataset-fashion-mnist" : nil)
    }
    let images = try read(directory, "\(split)-images-idx3-ubyte")
    let labels = try read(directory, "\(split)-labels-idx1-ubyte")
    guard images.array.dimensions.count >= 2 else {
      throw DataError(images.path, "expected images with at least 2 dimensions")
    }
    guard labels.array.dimensions.count == 1 else {
      throw DataError(labels.path, "expected one label per sample (a 1-dimensional IDX file)")
    }
    let count = images.array.dimensions[0]
    guard labels.array.dimensions[0] == count else {
      throw DataError(
        labels.path,
        "has \(labels.array.dimensions[0]) labels but \(images.path) has \(count) images")
    }
    var classLabels: [Int32] = []
    classLabels.reserveCapacity(count)
    for value in labels.array.values {
      guard value >= 0, value < 65536, value == value.rounded() else {
        throw DataError(
          labels.path, "contains the label \(value); labels must be class indices 0, 1, 2, ...")
      }
      classLabels.append(Int32(value))
    }
    var shape = Array(images.array.dimensions.dropFirst())
    if shape.count == 2 { shape.append(1) }  // grey images get a channel dimension (NHWC)
    var features = images.array.values
    if scale != 1 {
      features.withUnsafeMutableBufferPointer { buffer in
        for i in buffer.indices { buffer[i] *= scale }
      }
    }
    return Dataset(features: features, sampleShape: shape, labels: classLabels)
  }

  /// Reads `name.gz` or, failing that, `name`.
  private static func read(_ directory: String, _ name: String) throws(DataError)
    -> (path: String, array: IDXArray)
  {
    let candidates = ["\(directory)/\(name).gz", "\(directory)/\(name)"]
    guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
      throw DataError(candidates[0], "no such file (nor \(name) uncompressed)")
    }
    return (path, try IDXReader.read(path: path))
  }
}

extension Dataset {
  /// The samples at `indices`, in that order.
  public func subset(_ indices: [Int]) -> Dataset {
    let size = sampleSize
    var newFeatures: [Float] = []
    newFeatures.reserveCapacity(indices.count * size)
    var newTargets: [Float] = []
    newTargets.reserveCapacity(indices.count * targetWidth)
    for index in indices {
      newFeatures.append(contentsOf: features[index * size..<(index + 1) * size])
      newTargets.append(contentsOf: targets[index * targetWidth..<(index + 1) * targetWidth])
    }
    return Dataset(
      features: newFeatures, sampleShape: sampleShape, labels: indices.map { labels[$0] },
      targets: newTargets, targetWidth: targetWidth)
  }

  /// Splits off `fraction` of the samples, chosen by a shuffle drawn from `seed` (the same
  /// seed always holds out the same samples), keeping at least one sample on each side.
  public func split(holdingOut fraction: Double, seed: UInt64) -> (kept: Dataset, heldOut: Dataset)
  {
    let order = BatchIterator(
      count: count, batchSize: max(count, 1), shuffle: true, seed: seed ^ 0x5EED_0F_5A11D,
      epoch: 0, dropLast: false
    ).indices(ofBatch: 0)
    let heldOut = min(max(Int((Double(count) * fraction).rounded()), 1), max(count - 1, 0))
    let kept = Array(order.dropLast(heldOut)).sorted()
    let held = Array(order.suffix(heldOut)).sorted()
    return (subset(kept), subset(held))
  }
}
