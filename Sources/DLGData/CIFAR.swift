import Foundation

/// The CIFAR-10 binary format: records of one label byte and a 32×32×3 image stored channel by
/// channel (1024 red, 1024 green, 1024 blue bytes), in `data_batch_1.bin` … `data_batch_5.bin`
/// (train) and `test_batch.bin` (test). Images are converted to NHWC as they load.
public enum CIFARDataset {
  static let side = 32
  static let channels = 3
  static let recordSize = 1 + side * side * channels

  /// The files of a split: `train` (the five data batches) or `test`.
  static func files(split: String) -> [String] {
    split == "test" ? ["test_batch.bin"] : (1...5).map { "data_batch_\($0).bin" }
  }

  public static func load(directory: String, split: String, scale: Float) throws(DataError)
    -> Dataset
  {
    let pixels = side * side
    let paths = files(split: split).map { "\(directory)/\($0)" }
    // Sized once from the files' lengths: growing per file would briefly hold two copies of
    // everything loaded so far.
    let sizes = paths.map {
      (try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int) ?? 0
    }
    let records = sizes.reduce(0) { $0 + $1 / recordSize }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(records * pixels * channels)
    var labels: [Int32] = []
    labels.reserveCapacity(records)
    for path in paths {
      guard let data = FileManager.default.contents(atPath: path) else {
        throw DataError(path, "no such file", help: "CIFAR-10 binary files go in one folder")
      }
      guard !data.isEmpty else {
        throw DataError(path, "is empty: a CIFAR-10 binary file holds 3073-byte records")
      }
      guard data.count % recordSize == 0 else {
        throw DataError(
          path,
          "has \(data.count) bytes, not a whole number of \(recordSize)-byte records: "
            + "the file is truncated or not CIFAR-10 binary")
      }
      let count = data.count / recordSize
      data.withUnsafeBytes { raw in
        let source = raw.bindMemory(to: UInt8.self)
        for record in 0..<count {
          let base = record * recordSize
          labels.append(Int32(source[base]))
          // Channel-major (CHW) on disk, NHWC in memory; bytes until batches are gathered.
          for pixel in 0..<pixels {
            for channel in 0..<channels {
              bytes.append(source[base + 1 + channel * pixels + pixel])
            }
          }
        }
      }
    }
    if let bad = labels.first(where: { $0 > 9 }) {
      throw DataError(directory, "has the label \(bad); CIFAR-10 labels are 0 to 9")
    }
    return Dataset(
      bytes: bytes, scale: scale, sampleShape: [side, side, channels], labels: labels)
  }

  /// Writes CIFAR-10 binary files from NHWC bytes (for tests and tools).
  public static func write(path: String, images: [UInt8], labels: [UInt8]) throws(DataError) {
    let pixels = side * side
    var out: [UInt8] = []
    out.reserveCapacity(labels.count * recordSize)
    for (record, label) in labels.enumerated() {
      out.append(label)
      let image = record * pixels * channels
      for channel in 0..<channels {
        for pixel in 0..<pixels { out.append(images[image + pixel * channels + channel]) }
      }
    }
    guard FileManager.default.createFile(atPath: path, contents: Data(out)) else {
      throw DataError(path, "cannot write the file")
    }
  }
}
