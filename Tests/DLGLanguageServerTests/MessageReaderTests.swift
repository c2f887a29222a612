import DLGLanguageServer
import Testing

@Suite struct MessageReaderTests {
  static func frame(_ body: String) -> [UInt8] { framed(Array(body.utf8)) }

  @Test func messagesArriveWholeWhateverTheChunks() {
    let bytes = Self.frame(#"{"a":1}"#) + Self.frame(#"{"b":"é"}"#)
    for chunk in [1, 2, 7, bytes.count] {
      var reader = MessageReader()
      var bodies: [String] = []
      var index = 0
      while index < bytes.count {
        reader.append(bytes[index..<min(index + chunk, bytes.count)])
        index += chunk
        while case .message(let body)? = reader.next() {
          bodies.append(String(decoding: body, as: UTF8.self))
        }
      }
      #expect(bodies == [#"{"a":1}"#, #"{"b":"é"}"#], "chunks of \(chunk)")
    }
  }

  @Test func otherHeadersAreIgnoredAndCaseDoesNotMatter() {
    var reader = MessageReader()
    reader.append(Array("content-length: 2\r\nContent-Type: x\r\n\r\n{}".utf8))
    #expect(reader.next() == .message(Array("{}".utf8)))
  }

  @Test func aHeaderWithoutLengthIsSkippedAndTheNextMessageStillArrives() {
    var reader = MessageReader()
    reader.append(Array("Content-Type: x\r\n\r\n".utf8) + Self.frame("{}"))
    guard case .malformed? = reader.next() else {
      Issue.record("expected the bad header to be reported")
      return
    }
    #expect(reader.next() == .message(Array("{}".utf8)))
  }

  @Test func aBodyTooLargeIsRefusedAndItsBytesDropped() {
    var reader = MessageReader()
    let size = MessageReader.maximumBody + 1
    reader.append(Array("Content-Length: \(size)\r\n\r\n".utf8))
    guard case .malformed? = reader.next() else {
      Issue.record("expected the size to be refused")
      return
    }
    // The refused body's bytes arrive and are dropped; the next message is read.
    reader.append([UInt8](repeating: 120, count: size))
    #expect(reader.next() == nil)
    reader.append(Self.frame("{}"))
    #expect(reader.next() == .message(Array("{}".utf8)))
  }

  @Test func noiseWithoutHeadersIsDroppedInBoundedMemory() {
    var reader = MessageReader()
    reader.append([UInt8](repeating: 65, count: 70_000))
    guard case .malformed? = reader.next() else {
      Issue.record("expected the noise to be dropped")
      return
    }
    reader.append(Self.frame("{}"))
    #expect(reader.next() == .message(Array("{}".utf8)))
  }

  @Test func aNegativeOrNonNumericLengthIsMalformed() {
    for header in ["Content-Length: -4", "Content-Length: four"] {
      var reader = MessageReader()
      reader.append(Array("\(header)\r\n\r\n{}".utf8))
      guard case .malformed? = reader.next() else {
        Issue.record("\(header) was accepted")
        continue
      }
    }
  }
}

extension MessageReaderTests {
  @Test func aBodyAfterABadHeaderIsDroppedAndTheNextMessageStillArrives() {
    var reader = MessageReader()
    reader.append(Array("Content-Type: x\r\n\r\n{\"lost\":1}".utf8) + Self.frame("{}"))
    guard case .malformed? = reader.next() else {
      Issue.record("expected the bad header to be reported")
      return
    }
    #expect(reader.next() == .message(Array("{}".utf8)))
  }
}
