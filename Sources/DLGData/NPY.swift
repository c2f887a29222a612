import DLGFiles
import Foundation

/// NumPy's `.npy` format: a magic string, a header (a Python dict literal with `descr`,
/// `fortran_order` and `shape`), then the raw array.
public enum NPY {
  /// The first six bytes of every `.npy` file: 0x93 then "NUMPY".
  public static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

  /// Reads an array of f4, f8, u1, i1, i4 or i8 values (little-endian, C order) as Float.
  public static func read(path: String) throws(DataError) -> IDXArray {
    try read(bytes: try readFile(path), source: path)
  }

  /// Reads the bytes of a `.npy` file held in memory. `source` names them in errors, as the
  /// path does for a file.
  public static func read(bytes: [UInt8], source path: String) throws(DataError) -> IDXArray {
    let result = bytes.withUnsafeBytes { raw in
      Result { () throws(DataError) in
        let layout = try Layout(raw, source: path)
        return IDXArray(dimensions: layout.dimensions, values: layout.floats(raw))
      }
    }
    return try result.get()
  }

  /// A `.npy` file mapped into memory rather than read: a large array's pages come from the
  /// file as they are used, and are never held twice.
  public static func mapped(path: String) throws(DataError) -> Data {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
      !isDirectory.boolValue
    else { throw DataError(path, isDirectory.boolValue ? "is a folder" : "no such file") }
    do {
      return try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
    } catch {
      throw DataError(path, "cannot read it: \(error.localizedDescription)")
    }
  }

  /// The header of a `.npy` array, checked against the bytes that follow it.
  public struct Layout: Sendable {
    /// `<f4`, `<f8`, `|u1`, `|i1`, `<i4` or `<i8`.
    public var descr: String
    public var dimensions: [Int]
    public var count: Int
    /// Where the data starts.
    var start: Int

    static let sizes: [String: Int] = ["<f4": 4, "<f8": 8, "|u1": 1, "|i1": 1, "<i4": 4, "<i8": 8]

    /// True for float32 and float64 arrays.
    public var isFloat: Bool { descr == "<f4" || descr == "<f8" }

    public init(_ bytes: UnsafeRawBufferPointer, source path: String) throws(DataError) {
      guard bytes.count >= 10, Array(bytes[0..<6]) == NPY.magic else {
        throw DataError(path, "not a .npy file (bad magic string)")
      }
      let major = bytes[6]
      let lengthBytes = major == 1 ? 2 : 4
      guard bytes.count >= 8 + lengthBytes else {
        throw DataError(path, "the header is truncated")
      }
      var headerLength = 0
      for i in 0..<lengthBytes { headerLength |= Int(bytes[8 + i]) << (8 * i) }
      let headerStart = 8 + lengthBytes
      guard headerLength <= bytes.count - headerStart else {
        throw DataError(path, "the header is truncated")
      }
      let header = String(
        decoding: UnsafeRawBufferPointer(rebasing: bytes[headerStart..<headerStart + headerLength]),
        as: UTF8.self)
      guard
        let descr = NPY.field("descr", in: header)?.trimmingCharacters(
          in: CharacterSet(charactersIn: "'\" ")),
        let shapeText = NPY.field("shape", in: header)
      else { throw DataError(path, "the header has no descr or shape: \(header)") }
      if NPY.field("fortran_order", in: header)?.contains("True") == true {
        throw DataError(path, "Fortran-order arrays are not supported; save with order='C'")
      }
      // Every extent must be an integer: dropping one that is not would read the data with
      // the wrong shape.
      var dims: [Int] = []
      for text in shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
        .split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !text.isEmpty
      {
        guard let extent = Int(text) else {
          throw DataError(path, "the header's shape \(shapeText) is not a tuple of integers")
        }
        dims.append(extent)
      }
      guard let size = Self.sizes[descr] else {
        throw DataError(
          path, "unsupported dtype \(descr); use float32, float64, uint8, int32 or int64")
      }
      var count = 1
      for d in dims {
        let (product, overflow) = count.multipliedReportingOverflow(by: d)
        guard d >= 0, !overflow, product <= bytes.count else {
          throw DataError(path, "declares a shape \(dims) larger than the file")
        }
        count = product
      }
      let start = headerStart + headerLength
      guard bytes.count - start == count * size else {
        throw DataError(
          path, "holds \(bytes.count - start) data bytes, but shape \(dims) needs \(count * size)")
      }
      (self.descr, self.dimensions, self.count, self.start) = (descr, dims, count, start)
    }

    /// The values as f32.
    public func floats(_ bytes: UnsafeRawBufferPointer) -> [Float] {
      var values = [Float](repeating: 0, count: count)
      let base = bytes.baseAddress! + start
      for i in 0..<count {
        switch descr {
        case "<f4":
          values[i] = Float(
            bitPattern: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self).littleEndian)
        case "<f8":
          values[i] = Float(
            Double(
              bitPattern: base.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self).littleEndian))
        case "|u1": values[i] = Float(base.load(fromByteOffset: i, as: UInt8.self))
        case "|i1": values[i] = Float(base.load(fromByteOffset: i, as: Int8.self))
        case "<i4":
          values[i] = Float(
            Int32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)))
        default:
          values[i] = Float(
            Int64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)))
        }
      }
      return values
    }

    /// The bytes of a uint8 array, as they are.
    public func bytes(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
      Array(bytes[start..<start + count])
    }
  }

  /// Writes a float32 array (version 1.0 header, padded to 64 bytes as NumPy does).
  public static func write(path: String, shape: [Int], values: [Float]) throws(DataError) {
    do {
      try FileOutput.write(bytes(shape: shape, values: values), to: path)
    } catch {
      throw DataError(path, "cannot write the file: \(error.description)")
    }
  }

  /// The bytes of a float32 `.npy` file.
  public static func bytes(shape: [Int], values: [Float]) -> [UInt8] {
    var payload: [UInt8] = []
    payload.reserveCapacity(values.count * 4)
    for value in values {
      withUnsafeBytes(of: value.bitPattern.littleEndian) { payload += $0 }
    }
    return encode(descr: "<f4", shape: shape, payload: payload)
  }

  /// The bytes of a `.npy` file of `descr` (`<f4`, `|u1`, `<i8`, ...) holding `payload`.
  public static func encode(descr: String, shape: [Int], payload: [UInt8]) -> [UInt8] {
    let shapeText =
      shape.count == 1
      ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
    while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
    bytes += [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
    return bytes + Array(header.utf8) + payload
  }

  /// The text of `'key': value` in a header dict, up to the next top-level comma.
  static func field(_ key: String, in header: String) -> String? {
    guard let range = header.range(of: "'\(key)':") else { return nil }
    var depth = 0
    var value = ""
    for character in header[range.upperBound...] {
      if character == "(" { depth += 1 }
      if character == ")" { depth -= 1 }
      if (character == "," && depth == 0) || character == "}" { break }
      value.append(character)
    }
    return value.trimmingCharacters(in: .whitespaces)
  }
}
