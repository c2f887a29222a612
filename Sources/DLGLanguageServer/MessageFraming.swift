import Foundation

/// The base protocol's framing: each message is `Content-Length: N\r\n`, optional other
/// headers, a blank line, then N bytes of UTF-8 JSON. `MessageReader` takes bytes as they come
/// (from stdin, in any chunks) and hands out whole bodies; nothing a client sends can make it
/// trap, wait forever for a body that was never announced, or hold more than one message.
public struct MessageReader {
  /// The largest body accepted (a 1,000-line model is about 40 KB).
  public static let maximumBody = 64 << 20

  private var buffer: [UInt8] = []
  private var start = 0

  public init() {}

  /// What the reader found in the bytes so far.
  public enum Item: Equatable {
    case message([UInt8])
    /// A header block without a usable `Content-Length`, or a body too large: skipped.
    case malformed(String)
  }

  public mutating func append(_ bytes: some Sequence<UInt8>) {
    buffer.append(contentsOf: bytes)
  }

  /// The next complete message or problem, or nil until more bytes arrive.
  public mutating func next() -> Item? {
    defer { compact() }
    dropSkipped()
    guard skipping == 0 else { return nil }
    if resynchronizing {
      // After a header without a length, the next message starts at the next
      // `Content-Length` (the bytes between are the lost message's body).
      guard let found = findContentLength(from: start) else {
        start = max(start, buffer.count - Self.contentLength.count)
        return nil
      }
      start = found
      resynchronizing = false
    }
    guard let headerEnd = find([13, 10, 13, 10], from: start) else {
      if buffer.count - start > 64 << 10 {
        // Kilobytes without a blank line are not headers: drop them and resynchronize.
        start = buffer.count
        return .malformed("no header end in 64 KB of input")
      }
      return nil
    }
    let header = String(decoding: buffer[start..<headerEnd], as: UTF8.self)
    var length: Int?
    for line in header.split(separator: "\r\n") {
      let parts = line.split(separator: ":", maxSplits: 1)
      if parts.count == 2, parts[0].lowercased() == "content-length" {
        length = Int(parts[1].trimmingCharacters(in: .whitespaces))
      }
    }
    let bodyStart = headerEnd + 4
    guard let length, length >= 0 else {
      start = bodyStart
      resynchronizing = true
      return .malformed("a message without a valid Content-Length header")
    }
    guard length <= Self.maximumBody else {
      start = bodyStart
      skipping = length
      return .malformed("a message of \(length) bytes, more than \(Self.maximumBody)")
    }
    guard buffer.count - bodyStart >= length else { return nil }
    start = bodyStart + length
    return .message(Array(buffer[bodyStart..<bodyStart + length]))
  }

  /// Bytes of a refused body still to be dropped as they arrive.
  private var skipping = 0
  /// Whether the reader is looking for the next header after a malformed one.
  private var resynchronizing = false
  private static let contentLength = Array("content-length".utf8)

  /// The next `Content-Length` (in any case) at or after `index`.
  private func findContentLength(from index: Int) -> Int? {
    find(Self.contentLength, from: index, ignoringCase: true)
  }

  private mutating func dropSkipped() {
    let dropped = min(skipping, buffer.count - start)
    start += dropped
    skipping -= dropped
  }

  private mutating func compact() {
    dropSkipped()
    if start > 0, start >= buffer.count / 2 {
      buffer.removeFirst(start)
      start = 0
    }
  }

  /// Where `pattern` next starts at or after `index`; `ignoringCase` folds ASCII letters (the
  /// pattern is lowercase).
  private func find(_ pattern: [UInt8], from index: Int, ignoringCase: Bool = false) -> Int? {
    var i = index
    while i + pattern.count <= buffer.count {
      var k = 0
      while k < pattern.count {
        let byte = buffer[i + k]
        let folded = ignoringCase && (65...90).contains(byte) ? byte | 0x20 : byte
        if folded != pattern[k] { break }
        k += 1
      }
      if k == pattern.count { return i }
      i += 1
    }
    return nil
  }
}

/// Frames a JSON body for writing.
public func framed(_ body: [UInt8]) -> [UInt8] {
  Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body
}
