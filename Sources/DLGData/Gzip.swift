import CZlib

/// gzip through zlib, in memory.
public enum Gzip {
  /// True if the bytes start with the gzip magic number.
  public static func isCompressed(_ bytes: [UInt8]) -> Bool {
    bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
  }

  /// Inflates a whole gzip stream. Throws on corrupt or truncated input; `limit` caps the
  /// output so a malicious file cannot exhaust memory. `source` names the input in errors.
  public static func decompress(_ input: [UInt8], source: String, limit: Int = 1 << 34)
    throws(DataError) -> [UInt8]
  {
    try decompress(input, source: source, limit: limit, piece: Int(UInt32.max))
  }

  /// Inflates a raw deflate stream (a zip entry) to at most `limit` bytes.
  public static func inflateRaw(_ input: [UInt8], source: String, limit: Int) throws(DataError)
    -> [UInt8]
  {
    try decompress(input, source: source, limit: limit, piece: Int(UInt32.max), windowBits: -15)
  }

  /// The first `count` bytes the stream inflates to (fewer if it is shorter), inflating no
  /// more than a megabyte past them: how a reader looks at a header before deciding how much
  /// the whole file may inflate to.
  public static func prefix(_ input: [UInt8], source: String, count: Int) throws(DataError)
    -> [UInt8]
  {
    try decompress(input, source: source, limit: count, piece: Int(UInt32.max), prefix: true)
  }

  /// `decompress`, handing zlib at most `piece` input bytes at a time (zlib counts them in 32
  /// bits, so input of 4 GiB or more goes in pieces; tests use small pieces).
  /// `windowBits` is zlib's: 15 + 16 expects a gzip header and trailer, −15 a raw deflate
  /// stream (a zip entry's).
  static func decompress(
    _ input: [UInt8], source: String, limit: Int, piece: Int, prefix: Bool = false,
    windowBits: Int32 = 15 + 16
  ) throws(DataError) -> [UInt8] {
    var stream = z_stream()
    guard
      inflateInit2_(&stream, windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
    else { throw DataError(source, "zlib could not be initialized") }
    defer { inflateEnd(&stream) }
    var output: [UInt8] = []
    output.reserveCapacity(min(input.count * 4, limit))
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    var status: Int32 = Z_OK
    var mutableInput = input
    mutableInput.withUnsafeMutableBufferPointer { buffer in
      var consumed = 0
      func refill() {
        let next = min(buffer.count - consumed, piece)
        stream.next_in = buffer.baseAddress.map { $0 + consumed }
        stream.avail_in = UInt32(next)
        consumed += next
      }
      refill()
      repeat {
        if stream.avail_in == 0 { refill() }
        chunk.withUnsafeMutableBufferPointer { target in
          stream.next_out = target.baseAddress
          stream.avail_out = UInt32(target.count)
          status = inflate(&stream, Z_NO_FLUSH)
          output.append(contentsOf: target[0..<(target.count - Int(stream.avail_out))])
        }
      } while status == Z_OK && output.count <= limit
        && (stream.avail_in > 0 || consumed < buffer.count || stream.avail_out == 0)
    }
    switch status {
    case Z_STREAM_END: return prefix ? Array(output.prefix(limit)) : output
    case Z_OK, Z_BUF_ERROR:
      if prefix, output.count > limit { return Array(output.prefix(limit)) }
      if output.count > limit {
        throw DataError(source, "decompresses to more than \(limit) bytes")
      }
      throw DataError(
        source, "the gzip stream is truncated (it ends after \(input.count) bytes)",
        help: "the file was cut short; copy it again or reinstall its package")
    default:
      let message = stream.msg.map { String(cString: $0) } ?? "error \(status)"
      throw DataError(source, "corrupt gzip data: \(message)")
    }
  }

  /// Deflates bytes into a gzip stream (for writing datasets in tests and tools).
  public static func compress(_ input: [UInt8]) -> [UInt8] {
    var stream = z_stream()
    guard
      deflateInit2_(
        &stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
        ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
    else { return [] }
    defer { deflateEnd(&stream) }
    var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 64)
    var mutableInput = input
    let written = mutableInput.withUnsafeMutableBufferPointer { source in
      output.withUnsafeMutableBufferPointer { target in
        stream.next_in = source.baseAddress
        stream.avail_in = UInt32(source.count)
        stream.next_out = target.baseAddress
        stream.avail_out = UInt32(target.count)
        _ = deflate(&stream, Z_FINISH)
        return target.count - Int(stream.avail_out)
      }
    }
    return Array(output[0..<written])
  }
}
