import DLGFiles
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

  /// Loads the files of `split` from a folder.
  public static func load(directory: String, split: String, scale: Float) throws(DataError)
    -> Dataset
  {
    let paths = files(split: split).map { "\(directory)/\($0)" }
    // Sized once from the files' lengths: growing per file would briefly hold two copies of
    // everything loaded so far.
    let sizes = paths.map {
      (try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int) ?? 0
    }
    let records = sizes.reduce(0) { $0 + $1 / recordSize }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(records * side * side * channels)
    var labels: [Int32] = []
    labels.reserveCapacity(records)
    for path in paths {
      // Each file's bytes go straight from `Data` into the dataset, without an array copy of
      // the whole file on the way.
      guard let data = FileManager.default.contents(atPath: path) else {
        throw DataError(path, "no such file", help: "CIFAR-10 binary files go in one folder")
      }
      // `withUnsafeBytes` rethrows untyped errors; a `Result` keeps the `DataError`.
      try data.withUnsafeBytes { raw in
        Result { () throws(DataError) in
          try append(raw, source: path, to: &bytes, labels: &labels)
        }
      }.get()
    }
    return Dataset(
      bytes: bytes, scale: scale, sampleShape: [side, side, channels], labels: labels)
  }

  /// Loads CIFAR-10 records from bytes in memory: one file's, or several files' one after
  /// the other (the format is records and nothing else). `source` names them in errors, as
  /// the path does for a file.
  public static func load(bytes records: [UInt8], source: String, scale: Float)
    throws(DataError) -> Dataset
  {
    var bytes: [UInt8] = []
    var labels: [Int32] = []
    try records.withUnsafeBytes { raw in
      Result { () throws(DataError) in
        try append(raw, source: source, to: &bytes, labels: &labels)
      }
    }.get()
    return Dataset(
      bytes: bytes, scale: scale, sampleShape: [side, side, channels], labels: labels)
  }

  /// Checks the records of one source and appends their images (as NHWC bytes) and labels.
  private static func append(
    _ raw: UnsafeRawBufferPointer, source: String, to bytes: inout [UInt8],
    labels: inout [Int32]
  ) throws(DataError) {
    guard !raw.isEmpty else {
      throw DataError(source, "is empty: a CIFAR-10 binary file holds 3073-byte records")
    }
    guard raw.count % recordSize == 0 else {
      throw DataError(
        source,
        "has \(raw.count) bytes, not a whole number of \(recordSize)-byte records: "
          + "the file is truncated or not CIFAR-10 binary")
    }
    let pixels = side * side
    let count = raw.count / recordSize
    // Labels are checked before anything is appended, so a bad source adds nothing.
    for record in 0..<count where raw[record * recordSize] > 9 {
      throw DataError(
        source, "has the label \(raw[record * recordSize]); CIFAR-10 labels are 0 to 9")
    }
    bytes.reserveCapacity(bytes.count + count * pixels * channels)
    labels.reserveCapacity(labels.count + count)
    for record in 0..<count {
      let base = record * recordSize
      labels.append(Int32(raw[base]))
      // Channel-major (CHW) on disk, NHWC in memory; bytes until batches are gathered.
      for pixel in 0..<pixels {
        for channel in 0..<channels {
          bytes.append(raw[base + 1 + channel * pixels + pixel])
        }
      }
    }
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
    do {
      try FileOutput.write(out, to: path)
    } catch {
      throw DataError(path, "cannot write the file: \(error.description)")
    }
  }
}
