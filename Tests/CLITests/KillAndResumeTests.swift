import DLGTestData
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A run killed with SIGKILL (no chance to clean up) and resumed from its last checkpoint ends
/// exactly where an uninterrupted run ends.
@Suite struct KillAndResumeTests {
  @Test func killedRunResumesToTheSameFinalMetrics() throws {
    let folder = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let data = try SyntheticData.makeFolder(train: 6000, test: 200)
    defer { try? FileManager.default.removeItem(atPath: data) }
    let model = "\(folder)/model.dlg"
    try SyntheticData.model(folder: data, epochs: 2).write(
      toFile: model, atomically: true, encoding: .utf8)
    let common = ["run", model, "--deterministic", "--threads", "2"]

    let full = try CLIRunner.run(common + ["--log", "\(folder)/full.jsonl"])
    #expect(full.status == 0, "\(full.standardError)")

    // Start the same run with frequent checkpoints and kill it as soon as one exists.
    let checkpoint = "\(folder)/run.ckpt"
    let killedMidRun = try CLIRunner.killOnceWritten(
      checkpoint,
      arguments: common + [
        "--checkpoint", checkpoint, "--checkpoint-every", "20", "--log", "\(folder)/killed.jsonl",
      ])
    #expect(killedMidRun, "the run finished before it could be killed")
    #expect(FileManager.default.fileExists(atPath: checkpoint))

    let resumed = try CLIRunner.run(
      common + ["--resume", checkpoint, "--log", "\(folder)/resumed.jsonl"])
    #expect(resumed.status == 0, "\(resumed.standardError)")
    let last = { (name: String) throws -> [String: Any] in
      let text = try String(contentsOfFile: "\(folder)/\(name)", encoding: .utf8)
      let line = try #require(text.split(separator: "\n").last)
      return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }
    let expected = try last("full.jsonl")
    let actual = try last("resumed.jsonl")
    for key in ["epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy"] {
      #expect(
        (actual[key] as? NSNumber) == (expected[key] as? NSNumber), "\(key): \(actual) \(expected)")
    }
  }

  /// SIGTERM and SIGHUP (how Slurm, Kubernetes and systemd stop a job) stop the run after the
  /// current step with a checkpoint, like Ctrl-C, and exit with 128 + the signal.
  @Test(arguments: [SIGTERM, SIGHUP, SIGINT])
  func schedulerSignalsWriteACheckpoint(signal: Int32) throws {
    let folder = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let data = try SyntheticData.makeFolder(train: 6000, test: 200)
    defer { try? FileManager.default.removeItem(atPath: data) }
    let model = "\(folder)/model.dlg"
    try SyntheticData.model(folder: data, epochs: 50).write(
      toFile: model, atomically: true, encoding: .utf8)
    let log = "\(folder)/run.jsonl"
    let process = Process()
    process.executableURL = CLIRunner.executable
    process.arguments = ["run", model, "--log", log, "--checkpoint", "\(folder)/run.ckpt"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    // Once the first epoch is logged, training is under way and the handler installed.
    let deadline = Date().addingTimeInterval(120)
    while (try? String(contentsOfFile: log, encoding: .utf8))?.isEmpty ?? true, process.isRunning,
      Date() < deadline
    {
      usleep(5_000)
    }
    #expect(process.isRunning, "the run ended before it could be stopped")
    kill(process.processIdentifier, signal)
    process.waitUntilExit()
    #expect(process.terminationReason == .exit)
    #expect(process.terminationStatus == 128 + signal)
    #expect(FileManager.default.fileExists(atPath: "\(folder)/run.ckpt"))
  }
}
