import Foundation

/// Labelled samples in memory: `count` samples of `sampleShape` values each, contiguous and
/// row-major, with `labelWidth` integer class labels per sample (one for a classifier, one
/// per position for a language model). Images stay bytes (a quarter of the memory of floats)
/// and are scaled as batches are gathered.
public struct Dataset: Sendable {
  enum Storage: Sendable {
    case floats([Float])
    case bytes([UInt8], scale: Float)
  }

  var storage: Storage
  public var sampleShape: [Int]
  /// `labelWidth` labels per sample, sample after sample.
  public var labels: [Int32]
  /// Labels per sample: 1, or the sequence length of next-token targets.
  public var labelWidth = 1
  /// Whether the samples are consecutive pieces of one text, in order: then a held-out part is
  /// the end of the text, never pieces interleaved with (and overlapping) the kept ones.
  public var isSequential = false
  /// Regression targets, `targetWidth` per sample (empty for classification data).
  public var targets: [Float]
  public var targetWidth: Int
  /// The name of each class, by index, when the source has them (an image folder's
  /// sub-folders): saved with the weights, printed by `dlg eval` and `dlg predict`.
  public var classNames: [String]?

  public init(
    features: [Float], sampleShape: [Int], labels: [Int32], targets: [Float] = [],
    targetWidth: Int = 0
  ) {
    self.storage = .floats(features)
    self.sampleShape = sampleShape
    self.labels = labels
    self.targets = targets
    self.targetWidth = targetWidth
  }

  /// Samples held as bytes; each value is `Float(byte) · scale`.
  public init(bytes: [UInt8], scale: Float, sampleShape: [Int], labels: [Int32]) {
    self.storage = .bytes(bytes, scale: scale)
    self.sampleShape = sampleShape
    self.labels = labels
    self.targets = []
    self.targetWidth = 0
  }

  /// Every value as a float (a copy for byte data: for tests and small datasets).
  public var features: [Float] {
    switch storage {
    case .floats(let values): values
    case .bytes(let bytes, let scale): bytes.map { Float($0) * scale }
    }
  }

  /// Calls `body` with every value in order, without copying them all.
  public func forEachValue(_ body: (Float) -> Void) {
    switch storage {
    case .floats(let values): for value in values { body(value) }
    case .bytes(let bytes, let scale): for byte in bytes { body(Float(byte) * scale) }
    }
  }

  public var count: Int { labels.count / max(labelWidth, 1) }
  public var sampleSize: Int { sampleShape.reduce(1, *) }
  /// The largest label plus one.
  public var classCount: Int { Int(labels.max() ?? -1) + 1 }

  /// Copies the given samples into caller-owned buffers, one `memcpy` per sample.
  public func gather<C: Collection<Int>>(
    _ indices: C, features target: UnsafeMutablePointer<Float>,
    labels labelTarget: UnsafeMutablePointer<Int32>?
  ) {
    if let labelTarget { gatherLabels(indices, into: labelTarget) }
    let size = sampleSize
    switch storage {
    case .floats(let values):
      values.withUnsafeBufferPointer { source in
        for (slot, index) in indices.enumerated() {
          (target + slot * size).update(from: source.baseAddress! + index * size, count: size)
        }
      }
    case .bytes(let bytes, let scale):
      bytes.withUnsafeBufferPointer { source in
        for (slot, index) in indices.enumerated() {
          let (from, to) = (source.baseAddress! + index * size, target + slot * size)
          for i in 0..<size { to[i] = Float(from[i]) * scale }
        }
      }
    }
  }
}

extension Dataset {
  /// Copies the given samples' labels (`labelWidth` each) into a caller-owned buffer.
  public func gatherLabels<C: Collection<Int>>(
    _ indices: C, into target: UnsafeMutablePointer<Int32>
  ) {
    Self.copyRows(labels, width: labelWidth, indices, into: target)
  }

  /// Copies rows of `width` values (one per sample) at `indices` into `target`, in order.
  static func copyRows<T, C: Collection<Int>>(
    _ values: [T], width: Int, _ indices: C, into target: UnsafeMutablePointer<T>
  ) {
    values.withUnsafeBufferPointer { source in
      for (slot, index) in indices.enumerated() {
        (target + slot * width).update(from: source.baseAddress! + index * width, count: width)
      }
    }
  }

  /// The rows of `width` values (one per sample) at `indices`, in order.
  static func rows<T>(_ values: [T], width: Int, _ indices: [Int]) -> [T] {
    var picked: [T] = []
    picked.reserveCapacity(indices.count * width)
    for index in indices { picked.append(contentsOf: values[index * width..<(index + 1) * width]) }
    return picked
  }

  /// `gather` for integer inputs (word ids): the stored values converted to Int32 (towards
  /// zero). A value with no Int32 (NaN, or beyond ±2^31) becomes -1.
  public func gatherInts<C: Collection<Int>>(_ indices: C, into target: UnsafeMutablePointer<Int32>)
  {
    let size = sampleSize
    let values = features
    values.withUnsafeBufferPointer { source in
      for (slot, index) in indices.enumerated() {
        for i in 0..<size { target[slot * size + i] = Self.id(source[index * size + i]) }
      }
    }
  }

  /// A stored value as a word id: converted to Int32 (towards zero), or -1 when it has none
  /// (NaN, or beyond ±2^31). `Int32(_:)` traps on such values, which any CSV, NPY or IDX file
  /// of floats fed to an embedding can hold; -1 lies outside every table, so it looks up
  /// zeros as any other unknown id does.
  @inline(__always)
  public static func id(_ value: Float) -> Int32 {
    value >= -2_147_483_648 && value < 2_147_483_648 ? Int32(value) : -1
  }

  /// Copies the given samples' regression targets into a caller-owned buffer.
  public func gatherTargets<C: Collection<Int>>(
    _ indices: C, into target: UnsafeMutablePointer<Float>
  ) {
    Self.copyRows(targets, width: targetWidth, indices, into: target)
  }
}

/// MNIST-layout datasets: `<split>-images-idx3-ubyte[.gz]` and `<split>-labels-idx1-ubyte[.gz]`.
public enum IDXDataset {
  /// Loads the images and labels of `split` from a folder.
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
    return try dataset(images: images, labels: labels, scale: scale)
  }

  /// Loads images and labels from the bytes of two IDX files (each plain or gzip-compressed),
  /// for callers that hold them in memory. The sources name the two in errors, as the paths
  /// do for files.
  public static func load(
    images: [UInt8], imagesSource: String, labels: [UInt8], labelsSource: String, scale: Float
  ) throws(DataError) -> Dataset {
    try dataset(
      images: (imagesSource, try IDXReader.read(bytes: images, source: imagesSource)),
      labels: (labelsSource, try IDXReader.read(bytes: labels, source: labelsSource)),
      scale: scale)
  }

  /// Checks that images and labels go together and makes them a dataset.
  private static func dataset(
    images: (path: String, array: IDXArray), labels: (path: String, array: IDXArray),
    scale: Float
  ) throws(DataError) -> Dataset {
    guard images.array.dimensions.count >= 2 else {
      throw DataError(images.path, "expected images with at least 2 dimensions")
    }
    guard labels.array.dimensions.count == 1 else {
      throw DataError(labels.path, "expected one label per sample (a 1-dimensional IDX file)")
    }
    let count = images.array.dimensions[0]
    guard count > 0 else { throw DataError(images.path, "holds no images") }
    // With no images a file can declare any sample shape; with some, the data bounds it.
    var sampleSize = 1
    for side in images.array.dimensions.dropFirst() {
      let (product, overflow) = sampleSize.multipliedReportingOverflow(by: side)
      guard !overflow else { throw DataError(images.path, "declares images too large to hold") }
      sampleSize = product
    }
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
    if let bytes = images.array.bytes {
      return Dataset(bytes: bytes, scale: scale, sampleShape: shape, labels: classLabels)
    }
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
    var result = self
    switch storage {
    case .floats(let values):
      result.storage = .floats(Self.rows(values, width: sampleSize, indices))
    case .bytes(let bytes, let scale):
      result.storage = .bytes(Self.rows(bytes, width: sampleSize, indices), scale: scale)
    }
    result.labels = Self.rows(labels, width: labelWidth, indices)
    result.targets = Self.rows(targets, width: targetWidth, indices)
    return result
  }

  /// `count` samples chosen by a shuffle drawn from `seed`, kept in their original order; all
  /// of them when there are no more. Sequential data (pieces of one text) keeps its start.
  public func choosing(_ count: Int, seed: UInt64) -> Dataset {
    guard count < self.count else { return self }
    if isSequential { return subset(Array(0..<count)) }
    let order = BatchIterator(
      count: self.count, batchSize: self.count, shuffle: true, seed: seed ^ 0x5B5E7,
      epoch: 0, dropLast: false
    ).indices(ofBatch: 0)
    return subset(Array(order.prefix(count)).sorted())
  }

  /// Splits off `fraction` of the samples, chosen by a shuffle drawn from `seed` (the same
  /// seed always holds out the same samples), keeping at least one sample on each side.
  /// Sequential data (pieces of one text) holds out its end instead.
  public func split(holdingOut fraction: Double, seed: UInt64) -> (kept: Dataset, heldOut: Dataset)
  {
    let order =
      isSequential
      ? Array(0..<count)
      : Array(
        BatchIterator(
          count: count, batchSize: max(count, 1), shuffle: true, seed: seed ^ 0x5EED_0F_5A11D,
          epoch: 0, dropLast: false
        ).indices(ofBatch: 0))
    let heldOut = min(max(Int((Double(count) * fraction).rounded()), 1), max(count - 1, 0))
    let kept = Array(order.dropLast(heldOut)).sorted()
    let held = Array(order.suffix(heldOut)).sorted()
    return (subset(kept), subset(held))
  }
}
