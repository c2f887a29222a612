import Foundation
import Testing

@testable import DLGServe

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A client that sends its body a byte at a time is answered 408 once the body deadline
/// passes, instead of holding a request in flight (and shutdown) for as long as it likes.
@Suite struct SlowClientTests {
  /// A TCP connection to the server, driven byte by byte as a slow client would.
  final class Connection {
    let descriptor: Int32

    init(port: Int) throws {
      descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
      var address = sockaddr_in()
      address.sin_family = sa_family_t(AF_INET)
      address.sin_port = in_port_t(UInt16(port).bigEndian)
      address.sin_addr.s_addr = inet_addr("127.0.0.1")
      let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
      }
      try #require(descriptor >= 0 && connected == 0)
      var timeout = timeval(tv_sec: 30, tv_usec: 0)
      setsockopt(
        descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(descriptor) }

    func write(_ text: String) {
      _ = Array(text.utf8).withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
    }

    /// What the server answers, up to the first 4 KiB.
    func answer() -> String {
      var buffer = [UInt8](repeating: 0, count: 4096)
      let count = recv(descriptor, &buffer, buffer.count, 0)
      return String(decoding: buffer.prefix(max(count, 0)), as: UTF8.self)
    }
  }

  @Test func aBodyTooSlowToArriveGets408() async throws {
    var settings = ServerSettings()
    settings.bodyTimeoutSeconds = 0.5
    let live = try await LiveServer(settings: settings)
    let connection = try Connection(port: live.port)
    let body = #"{"inputs": [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]}"#
    connection.write(
      "POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + "Content-Length: \(body.utf8.count)\r\n\r\n")
    for character in body.prefix(12) {
      connection.write(String(character))
      try await Task.sleep(for: .milliseconds(100))
    }
    // Only 12 of its bytes are ever sent: without the deadline no answer would come (the
    // read gives up after 30 s, and the test fails).
    let answer = connection.answer()
    #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer)")
    #expect(answer.contains("\"kind\":\"timeout\""), "\(answer)")
    // The slot it held is free again: a prompt client is answered.
    #expect(try await live.predict(ServerTests.json(try live.samples(1))).status == 200)
    let metrics = try await live.request("/metrics").body
    #expect(metrics.contains("dlg_request_errors_total{kind=\"timeout\"} 1"), "\(metrics)")
    await live.stop()
  }

  /// The bodies of all requests together have a budget: while one client holds 600 bytes of
  /// a body, another's 600 get 503; once the first is answered, the second fits. A single
  /// body larger than the whole budget is 413: coming back later would not help.
  @Test func bodiesTogetherHaveABudget() async throws {
    var settings = ServerSettings()
    settings.maxBufferedBytes = 1000
    // The held body stays unfinished while the test polls and sends another request, which on
    // a busy machine (the whole suite at once) has taken longer than the default 10 s.
    settings.bodyTimeoutSeconds = 600
    settings.idleTimeoutSeconds = 600
    let live = try await LiveServer(settings: settings)
    let sample = ServerTests.json(try live.samples(1))
    let padded = { (size: Int) in String(repeating: " ", count: size - sample.utf8.count) + sample }
    let held = padded(900)
    let connection = try Connection(port: live.port)
    connection.write(
      "POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + "Content-Length: \(held.utf8.count)\r\n\r\n" + String(held.prefix(600)))
    // Wait until the server holds those bytes (polled, not timed: the suite may be busy).
    var held600 = false
    for _ in 0..<200 where !held600 {
      held600 = try await live.request("/metrics").body.contains("dlg_buffered_body_bytes 600")
      if !held600 { try await Task.sleep(for: .milliseconds(50)) }
    }
    #expect(held600)
    let refused = try await live.predict(padded(600))
    #expect(refused.status == 503, "\(refused.body)")
    #expect(refused.headers["retry-after"] == "1")
    connection.write(String(held.dropFirst(600)))
    #expect(connection.answer().hasPrefix("HTTP/1.1 200"))
    #expect(try await live.predict(padded(600)).status == 200)
    #expect(try await live.predict(padded(1200)).status == 413)
    await live.stop()
  }
}
