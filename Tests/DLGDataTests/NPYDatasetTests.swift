import DLGData
import Foundation
import Testing

/// `npy(...)` sources: `.npy` features and labels of the dtypes NumPy writes, `.npz` archives
/// stored and deflated, and the mistakes each can hold.
@Suite struct NPYDatasetTests {
  static func folder() throws -> String {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("dlg-npy-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  static func int64s(_ values: [Int64]) -> [UInt8] {
    values.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
  }

  static func float32s(_ values: [Float]) -> [UInt8] {
    values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
  }

  @Test func uint8ImagesAndInt64LabelsLoadAsTheyAre() throws {
    let dir = try Self.folder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let pixels = (0..<(3 * 2 * 2)).map { UInt8($0 * 20) }
    try Data(NPY.encode(descr: "|u1", shape: [3, 2, 2], payload: pixels))
      .write(to: URL(fileURLWithPath: "\(dir)/x.npy"))
    try Data(NPY.encode(descr: "<i8", shape: [3], payload: Self.int64s([2, 0, 1])))
      .write(to: URL(fileURLWithPath: "\(dir)/y.npy"))
    let data = try NPYDataset.load(
      features: "\(dir)/x.npy", labels: "\(dir)/y.npy", scale: 1.0 / 255)
    #expect(data.count == 3 && data.sampleShape == [2, 2] && data.labels == [2, 0, 1])
    #expect(abs(data.features[5] - 100.0 / 255) < 1e-6)
  }

  @Test func floatLabelsAreRegressionTargets() throws {
    let dir = try Self.folder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try NPY.write(path: "\(dir)/x.npy", shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
    try NPY.write(path: "\(dir)/y.npy", shape: [2, 2], values: [0.5, 1.5, -1, 2])
    let data = try NPYDataset.load(features: "\(dir)/x.npy", labels: "\(dir)/y.npy", scale: 1)
    #expect(data.targetWidth == 2 && data.targets == [0.5, 1.5, -1, 2])
    #expect(data.sampleShape == [3])
  }

  @Test func archivesStoredAndDeflatedGiveTheSameData() throws {
    let x = NPY.encode(descr: "<f4", shape: [2, 2], payload: Self.float32s([1, 2, 3, 4]))
    let y = NPY.encode(descr: "<i8", shape: [2], payload: Self.int64s([1, 0]))
    let stored = NPZ.archive([("x", x), ("y", y)])
    let dir = try Self.folder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try Data(stored).write(to: URL(fileURLWithPath: "\(dir)/d.npz"))
    let data = try NPYDataset.load(archive: "\(dir)/d.npz", features: "x", labels: "y", scale: 1)
    #expect(data.features == [1, 2, 3, 4] && data.labels == [1, 0])
    // The same arrays deflated (method 8), as np.savez_compressed writes them.
    let deflated = NPZ.archive([("x", x), ("y", y)], deflated: true)
    let entries = try NPZ.entries(deflated, source: "d.npz")
    #expect(Set(entries.keys) == ["x", "y"] && entries["x"]!.deflated)
    #expect(try entries["x"]!.bytes(in: deflated, source: "d.npz") == x)
    #expect {
      try NPYDataset.load(archive: "\(dir)/d.npz", features: "images", labels: nil, scale: 1)
    } throws: { "\($0)".contains("has no array `images`") && "\($0)".contains("x, y") }
  }

  @Test func mistakesAreNamed() throws {
    let dir = try Self.folder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try NPY.write(path: "\(dir)/x.npy", shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
    try NPY.write(path: "\(dir)/short.npy", shape: [3], values: [1, 0, 1])
    try Data(NPY.encode(descr: "<i8", shape: [2], payload: Self.int64s([1, -4])))
      .write(to: URL(fileURLWithPath: "\(dir)/negative.npy"))
    try NPY.write(path: "\(dir)/nan.npy", shape: [2, 1], values: [1, .nan])
    let cases: [(String, String)] = [
      ("short.npy", "has shape [3], but the features hold 2 samples"),
      ("negative.npy", "label -4 of sample 1 is not a class"),
      ("nan.npy", "NaN or infinite targets"),
      ("missing.npy", "no such file"),
    ]
    for (labels, message) in cases {
      #expect {
        try NPYDataset.load(features: "\(dir)/x.npy", labels: "\(dir)/\(labels)", scale: 1)
      } throws: { "\($0)".contains(message) }
    }
    #expect {
      try NPZ.entries(Array("not a zip at all, just text".utf8), source: "t.npz")
    } throws: {
      "\($0)".contains("no zip directory")
    }
    var damaged = NPZ.archive([("x", [1, 2, 3])])
    damaged[damaged.count - 6] = 0xFF  // the directory's offset points past the end
    #expect { try NPZ.entries(damaged, source: "d.npz") } throws: { "\($0)".contains("damaged") }
  }
}
