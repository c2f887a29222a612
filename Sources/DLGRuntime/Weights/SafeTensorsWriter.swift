import CZlib
import DLGFiles
import DLGGraph
import Foundation

/// Writes tensors in the safetensors format (huggingface/safetensors): an 8-byte little-endian
/// header length, a JSON header mapping each name to its dtype, shape and byte range, then the
/// raw little-endian data. Other tools (Python's `safetensors`, PyTorch) read it directly.
public enum SafeTensors {
  /// One named tensor to write: a buffer of the store (F32 or I32), or bytes already in a
  /// file's encoding (the I8 weights `dlg quantize` writes).
  public struct Entry {
    public var name: String
    /// The safetensors dtype (`F32`, `I32`, `I8`).
    public var dtype: String
    public var shape: [Int]
    private var storage: Storage

    private enum Storage {
      case buffer(TensorBuffer)
      case bytes([UInt8])
    }

    public init(name: String, buffer: TensorBuffer) {
      self.name = name
      dtype = buffer.dtype == .float32 ? "F32" : "I32"
      shape = buffer.dimensions
      storage = .buffer(buffer)
    }

    /// A tensor given as its little-endian bytes; their count must be the shape's element
    /// count times the dtype's width.
    public init(name: String, dtype: String, shape: [Int], bytes: [UInt8]) {
      assert(
        bytes.count == shape.reduce(1, *) * (SafeTensors.elementBytes[dtype] ?? 1),
        "the bytes of `\(name)` do not match its shape")
      self.name = name
      self.dtype = dtype
      self.shape = shape
      storage = .bytes(bytes)
    }

    /// The tensor's bytes, as they go into the file.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
      switch storage {
      case .buffer(let buffer):
        body(
          UnsafeRawBufferPointer(start: buffer.base, count: buffer.count * buffer.dtype.byteSize))
      case .bytes(let bytes):
        bytes.withUnsafeBytes(body)
      }
    }
  }

  /// The bytes of a safetensors file holding `entries` (sorted by name) and string metadata.
  /// The metadata also gets a CRC32 of each tensor's bytes (`crc32:NAME`) and of the rest of
  /// the header (`crc32:`), which `decode` verifies: a damaged checkpoint names the tensor.
  public static func encode(_ entries: [Entry], metadata: [String: String] = [:]) -> [UInt8] {
    let sorted = entries.sorted { $0.name < $1.name }
    var metadata = metadata.filter { !$0.key.hasPrefix(Checksums.prefix) }
    var offset = 0
    var tensorFields: [String] = []
    for entry in sorted {
      let bytes = entry.withBytes(\.count)
      let field = Checksums.tensorField(
        name: entry.name, dtype: entry.dtype, shape: entry.shape, begin: offset,
        end: offset + bytes)
      tensorFields.append(field)
      metadata[Checksums.prefix + entry.name] = Checksums.hex(entry.withBytes(Checksums.crc32))
      offset += bytes
    }
    metadata[Checksums.prefix] = Checksums.hex(
      Checksums.headerChecksum(fields: tensorFields, metadata: metadata))
    var header = "{"
    var fields: [String] = []
    if !metadata.isEmpty {
      let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
      fields.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
    }
    fields += tensorFields
    header += fields.joined(separator: ",") + "}"
    // Pad the header with spaces so the data starts 8-byte aligned, as the format recommends.
    while (header.utf8.count + 8) % 8 != 0 { header += " " }
    var output: [UInt8] = []
    output.reserveCapacity(8 + header.utf8.count + offset)
    var length = UInt64(header.utf8.count).littleEndian
    withUnsafeBytes(of: &length) { output.append(contentsOf: $0) }
    output.append(contentsOf: header.utf8)
    for entry in sorted {
      entry.withBytes { output.append(contentsOf: $0) }
    }
    return output
  }

  /// Writes atomically (`FileOutput`): a crash or a kill mid-write never leaves a truncated
  /// checkpoint where the previous good one was.
  public static func write(
    _ entries: [Entry], metadata: [String: String] = [:], to path: String
  ) throws(WeightsError) {
    do {
      try FileOutput.write(encode(entries, metadata: metadata), to: path)
    } catch {
      throw WeightsError(error.description)
    }
  }

  static func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}

/// A weights or checkpoint file that cannot be read or written; the message names the file and
/// says what is wrong with it.
public struct WeightsError: Error, Sendable, CustomStringConvertible {
  public var description: String

  public init(_ description: String) { self.description = description }
}

/// CRC32 checksums (zlib's) of a file's tensors and header, kept in its metadata.
public enum Checksums {
  static let prefix = "crc32:"

  /// zlib's CRC-32 of any number of bytes.
  public static func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    var crc = CZlib.crc32(0, nil, 0)
    var offset = 0
    // zlib counts in 32 bits: large tensors go in pieces.
    while offset < bytes.count {
      let piece = min(bytes.count - offset, 1 << 30)
      crc = CZlib.crc32(
        crc, bytes.baseAddress!.advanced(by: offset).assumingMemoryBound(to: UInt8.self),
        UInt32(piece))
      offset += piece
    }
    return UInt32(crc)
  }

  static func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 8 - digits.count) + digits
  }

  /// One tensor's header entry, as the writer spells it.
  static func tensorField(name: String, dtype: String, shape: [Int], begin: Int, end: Int)
    -> String
  {
    "\(SafeTensors.jsonString(name)):{\"dtype\":\"\(dtype)\",\"shape\":["
      + shape.map(String.init).joined(separator: ",") + "],\"data_offsets\":[\(begin),\(end)]}"
  }

  /// The checksum of the tensors' entries (in name order) and of every metadata value but the
  /// checksums themselves, so a changed shape, offset or setting is caught as well as data.
  static func headerChecksum(fields: [String], metadata: [String: String]) -> UInt32 {
    var text = fields.joined(separator: ",")
    for key in metadata.keys.sorted() where key != prefix {
      text += "\u{0}" + key + "=" + metadata[key]!
    }
    return Array(text.utf8).withUnsafeBytes { crc32($0) }
  }
}
