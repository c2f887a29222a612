import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Runs the built `dlg` binary as a user would, capturing its output and exit status.
struct CLIRunner {
  struct Result {
    var status: Int32
    var standardOutput: String
    var standardError: String
  }

  /// The `dlg` executable next to the test bundle in the build folder.
  static var executable: URL {
    var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    // On Linux the tests run from `.build/<config>/dlgPackageTests.xctest`; on macOS from
    // inside the bundle's Contents/MacOS.
    while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("dlg").path),
      folder.path != "/"
    {
      folder.deleteLastPathComponent()
    }
    return folder.appendingPathComponent("dlg")
  }

  static func run(_ arguments: [String], in directory: String? = nil) throws -> Result {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    return try run(process)
  }

  /// Waits until `path` exists (a first checkpoint: the run is training), the process ends,
  /// or `seconds` pass.
  static func waitForFile(_ path: String, while process: Process, seconds: Double = 120) {
    let deadline = Date().addingTimeInterval(seconds)
    while !FileManager.default.fileExists(atPath: path), process.isRunning, Date() < deadline {
      usleep(2_000)
    }
  }

  /// Starts `dlg arguments`, kills it with SIGKILL as soon as `path` exists, and says whether
  /// it was still running then.
  static func killOnceWritten(_ path: String, arguments: [String]) throws -> Bool {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    waitForFile(path, while: process)
    let killedMidRun = process.isRunning
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    return killedMidRun && process.terminationReason == .uncaughtSignal
  }

  /// Runs a prepared process to its end, capturing its output.
  static func run(_ process: Process) throws -> Result {
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes before waiting so a chatty child cannot block on a full pipe.
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Result(
      status: process.terminationStatus,
      standardOutput: String(decoding: outData, as: UTF8.self),
      standardError: String(decoding: errData, as: UTF8.self))
  }

  /// A fresh temporary folder.
  static func temporaryFolder() throws -> String {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("dlg-cli-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }
}
