import DLG
import DLGTestData
import Foundation
import Testing

/// The bytes of a safetensors file holding `tensors` (as F32) and `metadata`.
func safetensors(_ tensors: [String: SafeTensors.Tensor], metadata: [String: String]) -> [UInt8] {
  var storage = tensors.mapValues { $0.values }
  let names = storage.keys.sorted()
  var entries: [SafeTensors.Entry] = []
  var pointers: [UnsafeMutablePointer<Float>] = []
  defer { for pointer in pointers { pointer.deallocate() } }
  for name in names {
    let values = storage[name]!
    let pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(values.count, 1))
    pointer.initialize(from: values, count: values.count)
    pointers.append(pointer)
    entries.append(
      SafeTensors.Entry(
        name: name,
        buffer: TensorBuffer(base: pointer, dimensions: tensors[name]!.shape, dtype: .float32)))
  }
  storage.removeAll()
  return SafeTensors.encode(entries, metadata: metadata)
}

/// A safetensors file whose JSON header is `header`, followed by `data`.
func safetensors(header: String, data: [UInt8] = []) -> [UInt8] {
  withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { Array($0) } + Array(header.utf8)
    + data
}

@Suite struct SafeTensorsBytesTests {
  /// PyTorch writes half precision, bfloat16, doubles and int64 counters: read as f32.
  @Test func otherWritersDtypesAreConverted() throws {
    let header =
      "{\"h\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]},"
      + "\"b\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[2,4]},"
      + "\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[4,12]},"
      + "\"n\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[12,20]}}"
    let half = withUnsafeBytes(of: Float16(1.5).bitPattern.littleEndian) { Array($0) }
    let brain = withUnsafeBytes(of: UInt16(Float(-2).bitPattern >> 16).littleEndian) { Array($0) }
    let double = withUnsafeBytes(of: Double(0.25).bitPattern.littleEndian) { Array($0) }
    let count = withUnsafeBytes(of: Int64(-3).littleEndian) { Array($0) }
    let tensors = try SafeTensors.decode(
      safetensors(header: header, data: half + brain + double + count), source: "torch"
    ).tensors
    #expect(tensors["h"]?.values == [1.5] && tensors["b"]?.values == [-2])
    #expect(tensors["d"]?.values == [0.25] && tensors["n"]?.values == [-3])
  }

  static let model = """
    neuralnet
      x: Input[4, 4, 1]
      f: Flatten
      o: Dense[3]
      x --> f --> o
    train
      loss softmax_cross_entropy(o, labels)
    """

  func trainer(_ text: String = model, seed: UInt64 = 1) throws -> Trainer {
    let model = try #require(
      ModelLowering.lower(Parser.parse(SourceFile(path: "m.dlg", text: text)).model).model)
    return try Trainer(model: model, overrides: TrainingOverrides(seed: seed))
  }

  func folder() throws -> String {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("dlg-safetensors-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  @Test func bytesDecodeLikeTheFile() throws {
    let path = try folder() + "/w.safetensors"
    try trainer().saveWeights(to: path)
    let fromFile = try SafeTensors.readFile(path)
    let bytes = [UInt8](try #require(FileManager.default.contents(atPath: path)))
    let fromBytes = try SafeTensors.decode(bytes, source: "upload")
    #expect(fromBytes.metadata == fromFile.metadata)
    #expect(fromBytes.tensors.keys.sorted() == fromFile.tensors.keys.sorted())
    for (name, tensor) in fromFile.tensors {
      #expect(fromBytes.tensors[name]?.shape == tensor.shape)
      #expect(fromBytes.tensors[name]?.values == tensor.values)
    }
    let first = try trainer(seed: 1)
    let second = try trainer(seed: 2)
    try second.loadWeights(from: bytes, source: "upload")
    try expectSameWeights(first, second)
    let third = try trainer(Self.model.replacingOccurrences(of: "Dense[3]", with: "Dense[5]"))
    #expect { try third.loadWeights(from: bytes, source: "upload") } throws: {
      "\($0)".contains("upload: `o.weight` has shape 16×3, but the model expects 16×5")
    }
  }

  @Test func everyPrefixAndCorruptionIsRefusedNamingTheSource() throws {
    let path = try folder() + "/w.safetensors"
    try trainer().saveWeights(to: path)
    let bytes = [UInt8](try #require(FileManager.default.contents(atPath: path)))
    func refused(_ candidate: [UInt8]) -> Bool {
      do {
        _ = try SafeTensors.decode(candidate, source: "fuzz")
        return false
      } catch {
        #expect("\(error)".hasPrefix("fuzz is not a valid safetensors file"), "\(error)")
        return true
      }
    }
    for length in 0..<bytes.count { #expect(refused(Array(bytes.prefix(length)))) }
    let headerEnd = 8 + Int(bytes[0]) + Int(bytes[1]) << 8
    for position in 0..<headerEnd {
      for value: UInt8 in [0x00, 0x22, 0x7F, 0xFF] where bytes[position] != value {
        var corrupt = bytes
        corrupt[position] = value
        _ = refused(corrupt)
      }
    }
  }

  /// dlg's files carry a CRC32 per tensor and of the header: a flipped bit in the data names
  /// the damaged tensor, one in a setting (or a shape) is a damaged header; files of other
  /// writers, without checksums, still load.
  @Test func checksumsNameTheDamage() throws {
    let tensors = [
      "a": SafeTensors.Tensor(dtype: "F32", shape: [2], values: [1, 2]),
      "b": SafeTensors.Tensor(dtype: "F32", shape: [3], values: [3, 4, 5]),
    ]
    let bytes = safetensors(tensors, metadata: ["epoch": "3"])
    let decoded = try SafeTensors.decode(bytes, source: "ok")
    #expect(decoded.metadata == ["epoch": "3"])
    #expect(decoded.tensors["b"]?.values == [3, 4, 5])
    var data = bytes
    data[data.count - 1] ^= 0x01  // the last float of `b`
    #expect { _ = try SafeTensors.decode(data, source: "d") } throws: {
      "\($0)".contains("the data of `b` is damaged")
    }
    // The digit of "epoch":"3", found byte by byte (the data is not text).
    let needle = Array("\"epoch\":\"3\"".utf8)
    let at = try #require(
      (0...(bytes.count - needle.count)).first { Array(bytes[$0..<$0 + needle.count]) == needle })
    var header = bytes
    header[at + needle.count - 2] = UInt8(ascii: "4")
    #expect { _ = try SafeTensors.decode(header, source: "h") } throws: {
      "\($0)".contains("its header is damaged")
    }
    // Without checksums (a file PyTorch wrote): read as it is.
    let plain = safetensors(
      header: "{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
      data: [0, 0, 128, 63])
    #expect(try SafeTensors.decode(plain, source: "p").tensors["t"]?.values == [1])
  }

  @Test func hostileHeadersAreRefused() throws {
    let huge = "{\"t\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904],\"data_offsets\":[0,0]}}"
    let cases: [([UInt8], String)] = [
      ([1, 2, 3], "only 3 bytes long"),
      (Array(repeating: 0xFF, count: 16), "its header claims -1 bytes"),
      ([100, 0, 0, 0, 0, 0, 0, 0] + Array("{}".utf8), "its header claims 100 bytes"),
      (safetensors(header: "[1, 2]"), "not a JSON object"),
      // Bytes that are not UTF-8 inside a JSON string.
      (
        [10, 0, 0, 0, 0, 0, 0, 0] + Array("{\"a\":\"".utf8) + [0xC3, 0x28] + Array("\"}".utf8),
        "not a JSON object"
      ),
      (safetensors(header: String(repeating: "[", count: 100_000)), "not a JSON object"),
      (safetensors(header: "{\"t\":{\"dtype\":\"F32\"}}"), "lacks dtype, shape or data_offsets"),
      (
        safetensors(header: "{\"t\":{\"dtype\":\"BOOL\",\"shape\":[1],\"data_offsets\":[0,1]}}"),
        "dtype BOOL"
      ),
      (
        safetensors(header: "{\"t\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,0]}}"),
        "impossible shape"
      ),
      (safetensors(header: huge), "does not match its shape"),
      (
        safetensors(
          header: "{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", data: [1]),
        "lies outside the 1 data bytes"
      ),
      (
        safetensors(
          header: "{\"t\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[9,5]}}",
          data: Array(repeating: 0, count: 9)),
        "bytes 9..<5"
      ),
      (
        safetensors(
          header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
          data: Array(repeating: 0, count: 12)),
        "the data of `a` and `b` overlap"
      ),
    ]
    for (bytes, message) in cases {
      #expect { _ = try SafeTensors.decode(bytes, source: "hostile") } throws: {
        "\($0)".hasPrefix("hostile is not a valid safetensors file") && "\($0)".contains(message)
      }
    }
  }
}

@Suite struct CheckpointBytesTests {
  func trainer(_ text: String) throws -> Trainer {
    let model = try #require(
      ModelLowering.lower(Parser.parse(SourceFile(path: "m.dlg", text: text)).model).model)
    return try Trainer(model: model)
  }

  @Test func resumingFromBytesEqualsResumingFromTheFile() throws {
    let folder = try SyntheticData.makeFolder(train: 32, test: 8)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let text = SyntheticData.model(folder: folder, epochs: 2)
    let first = try trainer(text)
    let (train, test) = try first.loadData()
    let path = "\(folder)/run.ckpt"
    first.checkpointPath = path
    first.shouldStop = { true }
    #expect(throws: TrainingError.self) {
      _ = try first.train(on: train, test: test, observer: nil)
    }
    let fromFile = try trainer(text)
    try fromFile.resume(from: path)
    let fromBytes = try trainer(text)
    let bytes = [UInt8](try #require(FileManager.default.contents(atPath: path)))
    try fromBytes.resume(from: bytes, source: "upload")
    #expect(fromBytes.position == fromFile.position)
    #expect(fromBytes.position.batch == 1)
    try expectSameWeights(fromFile, fromBytes)
  }

  @Test func corruptCheckpointsAreRefusedNamingTheSource() throws {
    let folder = try SyntheticData.makeFolder(train: 32, test: 8)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let text = SyntheticData.model(folder: folder, epochs: 1)
    let path = "\(folder)/c.ckpt"
    try trainer(text).saveCheckpoint(to: path)
    let (tensors, metadata) = try SafeTensors.readFile(path)
    let resumer = try trainer(text)
    for (key, value) in [
      ("epoch", "0"), ("batch", "-1"), ("step", "-5"), ("samples", "-1"), ("epoch", "one"),
      ("loss_sum", "1.5"),
    ] {
      var changed = metadata
      changed[key] = value
      #expect {
        try resumer.resume(from: safetensors(tensors, metadata: changed), source: "ckpt")
      } throws: { "\($0)".contains("ckpt: its position (epoch, batch, step) is missing") }
    }
    var wrongShape = tensors
    let name = try #require(
      wrongShape.keys.sorted().first { wrongShape[$0]!.shape.first != 1 })
    let count = wrongShape[name]!.values.count
    wrongShape[name]?.shape = [1, count]
    #expect {
      try resumer.resume(from: safetensors(wrongShape, metadata: metadata), source: "ckpt")
    } throws: { "\($0)".contains("ckpt: `\(name)` has shape") }
    let bytes = [UInt8](try #require(FileManager.default.contents(atPath: path)))
    #expect {
      try resumer.resume(from: Array(bytes.dropLast(3)), source: "ckpt")
    } throws: { "\($0)".contains("ckpt is not a valid safetensors file") }
    // Nothing was changed by the refused checkpoints.
    #expect(resumer.position == TrainingPosition())
  }
}
