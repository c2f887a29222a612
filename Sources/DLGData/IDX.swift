import DLGFiles
import Foundation

/// The contents of one IDX file: its dimensions and values. Unsigned bytes (images) stay
/// bytes, a quarter of the memory of floats; `values` gives floats either way.
public struct IDXArray: Sendable {
  public var dimensions: [Int]
  /// The values when the file holds unsigned bytes.
  public var bytes: [UInt8]?
  private var floats: [Float]

  public init(dimensions: [Int], values: [Float]) {
    self.dimensions = dimensions
    self.floats = values
  }

  public init(dimensions: [Int], bytes: [UInt8]) {
    self.dimensions = dimensions
    self.bytes = bytes
    self.floats = []
  }

  /// Every value as a float.
  public var values: [Float] { bytes.map { $0.map(Float.init) } ?? floats }
}

/// Reads IDX files (the MNIST format: a magic number giving the element type and rank, the
/// dimensions as big-endian 32-bit integers, then the data), plain or gzip-compressed.
public enum IDXReader {
  /// Element types of the IDX format: code, byte size.
  static let elementSizes: [UInt8: Int] = [0x08: 1, 0x09: 1, 0x0B: 2, 0x0C: 4, 0x0D: 4, 0x0E: 8]

  /// Reads an IDX file, plain or gzip-compressed.
  public static func read(path: String) throws(DataError) -> IDXArray {
    try read(bytes: try readFile(path), source: path)
  }

  /// Reads the bytes of an IDX file, plain or gzip-compressed (told apart by the gzip magic
  /// number). `source` names the bytes in errors, as the path does for a file.
  public static func read(bytes: [UInt8], source: String) throws(DataError) -> IDXArray {
    guard Gzip.isCompressed(bytes) else { return try parse(bytes, source: source) }
    // The header says how large the file is: the stream may not inflate past that (a gzip
    // bomb would otherwise fill memory before any check).
    let header = try Gzip.prefix(bytes, source: source, count: 4 + 4 * 255)
    return try parse(
      Gzip.decompress(bytes, source: source, limit: declaredSize(header) ?? (1 << 34)),
      source: source)
  }

  /// The bytes a file with this header holds (header and data), if the header is readable.
  static func declaredSize(_ header: [UInt8]) -> Int? {
    guard header.count >= 4, let size = elementSizes[header[2]] else { return nil }
    let rank = Int(header[3])
    guard rank >= 1, header.count >= 4 + 4 * rank else { return nil }
    var total = size
    for d in 0..<rank {
      let o = 4 + 4 * d
      let n =
        Int(header[o]) << 24 | Int(header[o + 1]) << 16 | Int(header[o + 2]) << 8
        | Int(header[o + 3])
      let (product, overflow) = total.multipliedReportingOverflow(by: n)
      guard !overflow else { return nil }
      total = product
    }
    let (sum, overflow) = total.addingReportingOverflow(4 + 4 * rank)
    return overflow ? nil : sum
  }

  static func parse(_ bytes: [UInt8], source: String) throws(DataError) -> IDXArray {
    guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0 else {
      throw DataError(source, "not an IDX file (bad magic number)")
    }
    guard let size = elementSizes[bytes[2]] else {
      throw DataError(source, String(format: "unknown IDX element type 0x%02x", bytes[2]))
    }
    let rank = Int(bytes[3])
    guard rank >= 1, bytes.count >= 4 + 4 * rank else {
      throw DataError(source, "the IDX header is truncated")
    }
    var dimensions: [Int] = []
    var count = 1
    for d in 0..<rank {
      let o = 4 + 4 * d
      let n =
        Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3])
      dimensions.append(n)
      let (product, overflow) = count.multipliedReportingOverflow(by: n)
      guard !overflow, product <= bytes.count else {
        throw DataError(
          source,
          "declares \(dimensions.map(String.init).joined(separator: "×"))... elements, "
            + "more than the file holds")
      }
      count = product
    }
    let header = 4 + 4 * rank
    let expected = header + count * size
    guard bytes.count == expected else {
      throw DataError(
        source,
        bytes.count < expected
          ? "the file is truncated: expected \(expected) bytes, found \(bytes.count)"
          : "has \(bytes.count - expected) unexpected bytes after the data")
    }
    if bytes[2] == 0x08 {
      return IDXArray(dimensions: dimensions, bytes: Array(bytes[header..<header + count]))
    }
    var values = [Float](repeating: 0, count: count)
    bytes.withUnsafeBufferPointer { buffer in
      let data = buffer.baseAddress! + header
      switch bytes[2] {
      case 0x09: for i in 0..<count { values[i] = Float(Int8(bitPattern: data[i])) }
      case 0x0B:
        for i in 0..<count {
          values[i] = Float(Int16(bitPattern: UInt16(data[2 * i]) << 8 | UInt16(data[2 * i + 1])))
        }
      default:
        for i in 0..<count {
          var word: UInt64 = 0
          for b in 0..<size { word = word << 8 | UInt64(data[size * i + b]) }
          switch bytes[2] {
          case 0x0C: values[i] = Float(Int32(bitPattern: UInt32(word)))
          case 0x0D: values[i] = Float(bitPattern: UInt32(word))
          default: values[i] = Float(Double(bitPattern: word))
          }
        }
      }
    }
    return IDXArray(dimensions: dimensions, values: values)
  }
}

/// Writes IDX files of unsigned bytes, plain or gzip (small datasets for tests and tools).
public enum IDXWriter {
  public static func write(path: String, dimensions: [Int], bytes: [UInt8], gzip: Bool)
    throws(DataError)
  {
    var file: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
    for d in dimensions {
      file += [UInt8(d >> 24 & 0xFF), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF)]
    }
    file += bytes
    let output = gzip ? Gzip.compress(file) : file
    do {
      try FileOutput.write(output, to: path)
    } catch {
      throw DataError(path, "cannot write the file: \(error.description)")
    }
  }
}
