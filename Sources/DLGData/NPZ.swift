import CZlib
import Foundation

/// NumPy's `.npz` archives: a zip file of `.npy` arrays, stored (`np.savez`) or deflated
/// (`np.savez_compressed`). Entries are found through the zip's central directory (Python's
/// zipfile streams entries with their sizes after the data, and in zip64 fields for large
/// ones), and each is bounded by the size the directory declares before it is inflated.
public enum NPZ {
  /// The names of the arrays in an archive (`x` for the entry `x.npy`) and how to read each.
  public static func entries(_ bytes: [UInt8], source: String) throws(DataError) -> [String: Entry]
  {
    func fail(_ why: String) -> DataError { DataError(source, "not a valid .npz archive: \(why)") }
    func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
    func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
    func u64(_ at: Int) -> Int? {
      let value = UInt64(u32(at)) | UInt64(u32(at + 4)) << 32
      return value <= UInt64(Int.max) ? Int(value) : nil
    }
    // The end-of-central-directory record: within the last 64 KiB + 22 bytes.
    guard bytes.count >= 22 else { throw fail("it is only \(bytes.count) bytes long") }
    var end = -1
    for at in stride(from: bytes.count - 22, through: max(0, bytes.count - 22 - 65_535), by: -1)
    where u32(at) == 0x0605_4B50 {
      end = at
      break
    }
    guard end >= 0 else { throw fail("it has no zip directory (is it a zip file?)") }
    var count = u16(end + 10)
    var directory = u32(end + 16)
    // Zip64: the locator just before points at the zip64 end record.
    if end >= 20, u32(end - 20) == 0x0706_4B50, let record = u64(end - 12),
      record >= 0, record <= bytes.count - 56, u32(record) == 0x0606_4B50,
      let entries = u64(record + 32), let offset = u64(record + 48)
    {
      (count, directory) = (entries, offset)
    }
    guard count <= 100_000 else { throw fail("it claims \(count) entries") }
    var result: [String: Entry] = [:]
    var at = directory
    for _ in 0..<count {
      guard at >= 0, at <= bytes.count - 46, u32(at) == 0x0201_4B50 else {
        throw fail("its directory is damaged")
      }
      let method = u16(at + 10)
      var compressed = u32(at + 20)
      var size = u32(at + 24)
      let (nameLength, extraLength, commentLength) = (u16(at + 28), u16(at + 30), u16(at + 32))
      var local = u32(at + 42)
      guard nameLength + extraLength + commentLength <= bytes.count - at - 46 else {
        throw fail("its directory is damaged")
      }
      let name = String(decoding: bytes[at + 46..<at + 46 + nameLength], as: UTF8.self)
      // Zip64 extra field: the 64-bit sizes and offset, for the ones set to 0xFFFFFFFF.
      var extra = at + 46 + nameLength
      let extraEnd = extra + extraLength
      while extra + 4 <= extraEnd {
        let (id, length) = (u16(extra), u16(extra + 2))
        if id == 1 {
          var field = extra + 4
          for value in [0, 1, 2] where field + 8 <= min(extra + 4 + length, extraEnd) {
            let current = [size, compressed, local][value]
            guard current == 0xFFFF_FFFF else { continue }
            guard let wide = u64(field) else { throw fail("`\(name)` has an impossible size") }
            switch value {
            case 0: size = wide
            case 1: compressed = wide
            default: local = wide
            }
            field += 8
          }
        }
        extra += 4 + length
      }
      at = extraEnd + commentLength
      guard local >= 0, local <= bytes.count - 30, u32(local) == 0x0403_4B50 else {
        throw fail("the entry `\(name)` is damaged")
      }
      let dataStart = local + 30 + u16(local + 26) + u16(local + 28)
      guard dataStart <= bytes.count, compressed <= bytes.count - dataStart else {
        throw fail("the entry `\(name)` is truncated")
      }
      guard method == 0 || method == 8 else {
        throw fail("`\(name)` uses compression method \(method); dlg reads stored and deflated")
      }
      let key = name.hasSuffix(".npy") ? String(name.dropLast(4)) : name
      result[key] = Entry(
        name: name, deflated: method == 8, range: dataStart..<dataStart + compressed, size: size)
    }
    return result
  }

  /// Where one array lies in the archive.
  public struct Entry: Sendable {
    public var name: String
    public var deflated: Bool
    public var range: Range<Int>
    /// Its size once inflated, as the directory declares it.
    public var size: Int

    /// The `.npy` bytes of the entry.
    public func bytes(in archive: [UInt8], source: String) throws(DataError) -> [UInt8] {
      let raw = Array(archive[range])
      guard deflated else { return raw }
      let inflated = try Gzip.inflateRaw(raw, source: "\(source): \(name)", limit: size)
      guard inflated.count == size else {
        throw DataError(source, "`\(name)` inflates to \(inflated.count) bytes, not \(size)")
      }
      return inflated
    }
  }

  /// A zip archive of `.npy` files, stored without compression as `np.savez` writes them, or
  /// deflated as `np.savez_compressed` does (for tests and tools).
  public static func archive(_ arrays: [(name: String, npy: [UInt8])], deflated: Bool = false)
    -> [UInt8]
  {
    var archive: [UInt8] = []
    var directory: [UInt8] = []
    func le(_ value: Int, _ bytes: Int) -> [UInt8] {
      (0..<bytes).map { UInt8((value >> (8 * $0)) & 0xFF) }
    }
    for (name, npy) in arrays {
      let file = Array((name + ".npy").utf8)
      let crc = Int(npy.withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) })
      // A gzip stream is a raw deflate stream between a 10-byte header and an 8-byte trailer.
      let data = deflated ? Array(Gzip.compress(npy).dropFirst(10).dropLast(8)) : npy
      let common =
        le(20, 2) + le(0, 2) + le(deflated ? 8 : 0, 2) + le(0, 2) + le(0x21, 2)
        + le(crc, 4) + le(data.count, 4) + le(npy.count, 4) + le(file.count, 2) + le(0, 2)
      directory +=
        le(0x0201_4B50, 4) + le(20, 2) + common + le(0, 2) + le(0, 2) + le(0, 2)
        + le(0, 4) + le(archive.count, 4) + file
      archive += le(0x0403_4B50, 4) + common + file + data
    }
    let start = archive.count
    return archive + directory + le(0x0605_4B50, 4) + le(0, 2) + le(0, 2) + le(arrays.count, 2)
      + le(arrays.count, 2) + le(directory.count, 4) + le(start, 4) + le(0, 2)
  }
}
