import DLGTestData
import Foundation
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// `dlg serve` as a user runs it: it prints where it listens, answers, and on SIGTERM
/// answers every request it accepted before exiting 0.
@Suite struct ServeCommandTests {
  @Test func sigtermUnderLoadAnswersEveryAcceptedRequest() async throws {
    let folder = try SyntheticData.makeFolder(train: 200, test: 50)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let model = "\(folder)/m.dlg"
    try SyntheticData.model(folder: folder, epochs: 1).write(
      toFile: model, atomically: true, encoding: .utf8)
    let run = try CLIRunner.run(["run", model, "--save", "\(folder)/w.safetensors"])
    #expect(run.status == 0, "\(run.standardError)")

    let process = Process()
    process.executableURL = CLIRunner.executable
    process.arguments = [
      "serve", model, "--weights", "\(folder)/w.safetensors", "--port", "0", "--max-wait-ms",
      "3000", "--threads", "2",
    ]
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
    // "serving NAME (weights V) on http://127.0.0.1:PORT/ — Ctrl-C to stop"
    var line = ""
    while !line.contains("\n"), let byte = try out.fileHandleForReading.read(upToCount: 1),
      !byte.isEmpty
    {
      line += String(decoding: byte, as: UTF8.self)
    }
    let address = try #require(line.split(separator: " ").first { $0.hasPrefix("http://") })
    let sample = "{\"inputs\": [[" + Array(repeating: "0", count: 64).joined(separator: ",") + "]]}"
    let configuration = URLSessionConfiguration.ephemeral
    configuration.httpMaximumConnectionsPerHost = 16
    let session = URLSession(configuration: configuration)
    let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
      for _ in 0..<8 {
        group.addTask {
          var request = URLRequest(url: URL(string: "\(address)v1/predict")!)
          request.httpMethod = "POST"
          request.httpBody = Data(sample.utf8)
          request.setValue("application/json", forHTTPHeaderField: "Content-Type")
          let (_, response) = try await session.data(for: request)
          return (response as? HTTPURLResponse)?.statusCode ?? 0
        }
      }
      // The requests wait up to 3 s for company: once all eight are in flight, the signal
      // arrives while they are queued.
      let deadline = Date().addingTimeInterval(20)
      while Date() < deadline {
        let (data, _) = try await session.data(from: URL(string: "\(address)metrics")!)
        if String(decoding: data, as: UTF8.self).contains("dlg_in_flight_requests 8") { break }
        try await Task.sleep(for: .milliseconds(20))
      }
      kill(process.processIdentifier, SIGTERM)
      var statuses: [Int] = []
      for try await status in group { statuses.append(status) }
      return statuses
    }
    process.waitUntilExit()
    #expect(statuses == Array(repeating: 200, count: 8))
    #expect(process.terminationReason == .exit)
    #expect(process.terminationStatus == 0)
  }

  @Test func missingWeightsAndBadFlagsFailClearly() throws {
    let folder = try SyntheticData.makeFolder(train: 20, test: 10)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let model = "\(folder)/m.dlg"
    try SyntheticData.model(folder: folder).write(toFile: model, atomically: true, encoding: .utf8)
    let missing = try CLIRunner.run(["serve", model, "--weights", "\(folder)/none.safetensors"])
    #expect(missing.status != 0)
    #expect(missing.standardError.contains("none.safetensors"), "\(missing.standardError)")
    for flags in [["--port", "70000"], ["--max-batch", "0"], ["--max-wait-ms", "-1"]] {
      let bad = try CLIRunner.run(["serve", model, "--weights", "w"] + flags)
      #expect(bad.status != 0)
      #expect(bad.standardError.contains(flags[0]), "\(bad.standardError)")
    }
  }
}
