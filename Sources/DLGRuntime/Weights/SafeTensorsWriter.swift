import DLGFiles
import DLGGraph
import Foundation

/// Writes tensors in the safetensors format (huggingface/safetensors): an 8-byte little-endian
/// header length, a JSON header mapping each name to its dtype, shape and byte range, then the
/// raw little-endian data. Other tools (Python's `safetensors`, PyTorch) read it directly.
public enum SafeTensors {
  /// One named tensor to write.
  public struct Entry {
    public var name: String
    public var buffer: TensorBuffer

    public init(name: String, buffer: TensorBuffer) {
      self.name = name
      self.buffer = buffer
    }
  }

  /// The bytes of a safetensors file holding `entries` (sorted by name) and string metadata.
  public static func encode(_ entries: [Entry], metadata: [String: String] = [:]) -> [UInt8] {
    let sorted = entries.sorted { $0.name < $1.name }
    var header = "{"
    var fields: [String] = []
    if !metadata.isEmpty {
      let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
      fields.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
    }
    var offset = 0
    for entry in sorted {
      let bytes = entry.buffer.count * entry.buffer.dtype.byteSize
      let dtype = entry.buffer.dtype == .float32 ? "F32" : "I32"
      let shape = entry.buffer.dimensions.map(String.init).joined(separator: ",")
      fields.append(
        "\(jsonString(entry.name)):{\"dtype\":\"\(dtype)\",\"shape\":[\(shape)],"
          + "\"data_offsets\":[\(offset),\(offset + bytes)]}")
      offset += bytes
    }
    header += fields.joined(separator: ",") + "}"
    // Pad the header with spaces so the data starts 8-byte aligned, as the format recommends.
    while (header.utf8.count + 8) % 8 != 0 { header += " " }
    var output: [UInt8] = []
    output.reserveCapacity(8 + header.utf8.count + offset)
    var length = UInt64(header.utf8.count).littleEndian
    withUnsafeBytes(of: &length) { output.append(contentsOf: $0) }
    output.append(contentsOf: header.utf8)
    for entry in sorted {
      let bytes = entry.buffer.count * entry.buffer.dtype.byteSize
      output.append(contentsOf: UnsafeRawBufferPointer(start: entry.buffer.base, count: bytes))
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

  private static func jsonString(_ s: String) -> String {
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
