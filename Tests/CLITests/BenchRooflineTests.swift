import Foundation
import Testing

/// `dlg bench --calibrate` keeps this machine's peaks, and `dlg bench` then judges the step and
/// each op against them. Every run here has its own cache folder (XDG_CACHE_HOME), so nothing
/// touches the user's.
@Suite struct BenchRooflineTests {
  static let model = """
    neuralnet
      x:   f32[N, 32]
      fc:  Dense[16, relu]
      out: Dense[4]
      x --> fc --> out
    train
      loss      softmax_cross_entropy(out, labels)
      optimizer Adam(lr: 0.001)
      batch     8
    """

  /// `dlg args` with XDG_CACHE_HOME set to `cache`.
  static func bench(_ arguments: [String], cache: String) throws -> CLIRunner.Result {
    let process = Process()
    process.executableURL = CLIRunner.executable
    process.arguments = ["bench"] + arguments
    var environment = ProcessInfo.processInfo.environment
    environment["XDG_CACHE_HOME"] = cache
    process.environment = environment
    return try CLIRunner.run(process)
  }

  static func json(_ text: String) throws -> [String: Any] {
    try #require(
      try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
  }

  @Test func calibratingKeepsThePeaksAndTheRooflineUsesThem() throws {
    let folder = NSTemporaryDirectory() + "dlg-roofline-\(getpid())"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = folder + "/m.dlg"
    try Self.model.write(toFile: path, atomically: true, encoding: .utf8)
    let cache = folder + "/cache"

    // Before calibrating: the work is counted, the fraction needs the peaks.
    let before = try Self.json(
      try Self.bench([path, "--steps", "2", "--json"], cache: cache).standardOutput)
    let work = try #require(before["roofline"] as? [String: Any])
    #expect((work["flops"] as? Int ?? 0) > 0 && (work["bytes"] as? Int ?? 0) > 0)
    #expect(work["fraction"] == nil)
    let hint = try Self.bench([path, "--steps", "2"], cache: cache)
    #expect(hint.status == 0 && hint.standardOutput.contains("dlg bench --calibrate"))

    let calibration = try Self.bench(["--calibrate", "--json"], cache: cache)
    #expect(calibration.status == 0, "\(calibration.standardError)")
    let machine = try Self.json(calibration.standardOutput)
    #expect((machine["flops_per_second"] as? Double ?? 0) > 0)
    #expect((machine["bandwidths"] as? [Any])?.count == 3)
    #expect(FileManager.default.fileExists(atPath: cache + "/dlg/machine-peak.json"))

    let after = try Self.json(
      try Self.bench([path, "--steps", "2", "--json"], cache: cache).standardOutput)
    let roofline = try #require(after["roofline"] as? [String: Any])
    #expect((roofline["fraction"] as? Double ?? 0) > 0)
    #expect((roofline["ms_per_step"] as? Double ?? 0) > 0)
    let ops = try #require(after["top_ops"] as? [[String: Any]])
    #expect(ops.contains { ($0["roofline_fraction"] as? Double ?? 0) > 0 })
    // Calibrating and timing in one run: the output is still one JSON object.
    let both = try Self.json(
      try Self.bench(["--calibrate", path, "--steps", "2", "--json"], cache: cache)
        .standardOutput)
    #expect((both["roofline"] as? [String: Any])?["machine"] != nil)
    let text = try Self.bench([path, "--steps", "2"], cache: cache)
    #expect(text.standardOutput.contains("achieved"), "\(text.standardOutput)")

    // A damaged calibration is as good as none: no crash, no fraction.
    try "{\"cpu\": 3".write(
      toFile: cache + "/dlg/machine-peak.json", atomically: true, encoding: .utf8)
    let damaged = try Self.bench([path, "--steps", "2", "--json"], cache: cache)
    #expect(damaged.status == 0, "\(damaged.standardError)")
    #expect(
      (try Self.json(damaged.standardOutput)["roofline"] as? [String: Any])?["fraction"] == nil)
  }

  @Test func benchWithoutAModelAsksForOne() throws {
    let result = try CLIRunner.run(["bench"])
    #expect(result.status != 0)
    #expect(result.standardError.contains("--calibrate"), "\(result.standardError)")
  }
}
