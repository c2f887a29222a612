import DLGTestData
import Foundation
import Testing

/// Every way a user can hand `dlg` bad input gets one clear message and a non-zero exit.
@Suite struct ErrorPathTests {
  func write(_ text: String, to folder: String, name: String = "model.dlg") throws -> String {
    let path = "\(folder)/\(name)"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  /// A count from the command line has the same cap as the file's setting.
  @Test func absurdEpochsOnTheCommandLineAreRefused() throws {
    let result = try CLIRunner.run(["run", "graphs/mlp.dlg", "--epochs", "2000000000000000000"])
    #expect(result.status != 0)
    #expect(result.standardError.contains("--epochs must be between 1 and 1048576"))
  }

  /// Output paths are checked before any data is read: a run never trains and then finds it
  /// cannot write its result, or writes over its own model.
  @Test(arguments: [
    (["--save", "nowhere/w.safetensors"], "the folder"),
    (["--log", "MODEL"], "is the model file"),
    (["--save", "out.bin", "--checkpoint", "out.bin"], "both write out.bin"),
    (["--plot", "."], "is a folder"),
  ])
  func outputPathsAreCheckedBeforeTraining(flags: [String], says: String) throws {
    let folder = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    // The data does not exist: a run that got past the check would fail on it instead.
    let model = try write(
      """
      neuralnet sequential
        Input[4]
        out: Dense[2]
      train
        data csv("missing.csv")
        loss softmax_cross_entropy(out, labels)
      """, to: folder)
    let arguments = flags.map { $0 == "MODEL" ? model : $0 }
    let result = try CLIRunner.run(["run", model] + arguments, in: folder)
    #expect(result.status == 1)
    #expect(result.standardError.contains(says), "\(result.standardError)")
    #expect(try String(contentsOfFile: model, encoding: .utf8).contains("Dense[2]"))
  }

  /// A full disk (or closed pipe) on standard output is an error exit, never a crash or a
  /// silent 0: `dlg check` printing through stdio, `dlg generate` streaming directly.
  @Test func aFullStandardOutputIsAFailure() throws {
    let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
    for arguments in [["check", "graphs/mlp.dlg"], ["compile", "graphs/mlp.dlg", "--json"]] {
      let process = Process()
      process.executableURL = CLIRunner.executable
      process.arguments = arguments
      process.standardOutput = full
      process.standardError = FileHandle.nullDevice
      try process.run()
      process.waitUntilExit()
      #expect(process.terminationReason == .exit, "\(arguments)")
      #expect(process.terminationStatus == 1, "\(arguments)")
    }
  }

  @Test func evalRefusesABatchOfZero() throws {
    let result = try CLIRunner.run(
      ["eval", "graphs/mlp.dlg", "--weights", "w.safetensors", "--batch", "0"])
    #expect(result.status != 0)
    #expect(result.standardError.contains("--batch must be between 1"))
  }

  /// A Mermaid cross product of 300 × 300 nodes (90,000 arrows) is refused at once rather than
  /// laid out for many minutes.
  @Test func aHugeCrossProductIsRefusedFast() throws {
    let folder = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let left = (0..<300).map { "A\($0)" }.joined(separator: " & ")
    let right = (0..<300).map { "B\($0)" }.joined(separator: " & ")
    let path = try write("flowchart TD\n  \(left) --> \(right)\n", to: folder, name: "x.mmd")
    let start = Date()
    let result = try CLIRunner.run(["diagram", path, "-o", "\(folder)/x.svg"])
    #expect(Date().timeIntervalSince(start) < 10)
    #expect(result.status != 0)
    #expect(result.standardError.contains("90000 arrows"), "\(result.standardError)")
  }

  /// A negative count is out of range, not a "missing value".
  @Test func negativeFlagValuesAreReadAsValues() throws {
    let result = try CLIRunner.run(["run", "graphs/mlp.dlg", "--epochs", "-5"])
    #expect(result.status != 0)
    #expect(result.standardError.contains("--epochs must be between 1 and"))
  }

  @Test func missingFile() throws {
    let result = try CLIRunner.run(["check", "/nonexistent/model.dlg"])
    #expect(result.status != 0)
    #expect(result.standardError.contains("cannot read /nonexistent/model.dlg"))
  }

  @Test func misspelledLayerShowsLineCaretAndFix() throws {
    let folder = try CLIRunner.temporaryFolder()
    let path = try write(
      """
      neuralnet
        x: Input[4]
        y: Dens[3]
        x --> y
      """, to: folder)
    let result = try CLIRunner.run(["check", path])
    #expect(result.status == 1)
    #expect(result.standardError.contains("model.dlg:3:6"))
    #expect(result.standardError.contains("y: Dens[3]"))
    #expect(result.standardError.contains("^"))
    #expect(result.standardError.contains("Dense"))
  }

  @Test func shapeErrorIsFoundBeforeAnyDataIsRead() throws {
    let folder = try CLIRunner.temporaryFolder()
    let path = try write(
      """
      neuralnet
        image: Input[28, 28, 1]
        fc: Dense[10]
        image --> fc
      train
        data idx("/nonexistent", split: "train")
        loss softmax_cross_entropy(fc, labels)
      """, to: folder)
    let result = try CLIRunner.run(["run", path])
    #expect(result.status == 1)
    #expect(result.standardError.contains("model.dlg:3:"))
    #expect(result.standardError.contains("N×28×28×1"))
    #expect(!result.standardError.contains("nonexistent"))
  }

  @Test func missingDatasetNamesThePath() throws {
    let folder = try CLIRunner.temporaryFolder()
    let path = try write(
      """
      neuralnet
        image: Input[8, 8, 1]
        flat: Flatten
        fc: Dense[10]
        image --> flat --> fc
      train
        data idx("\(folder)/nowhere", split: "train")
        loss softmax_cross_entropy(fc, labels)
      """, to: folder)
    let result = try CLIRunner.run(["run", path])
    #expect(result.status == 1)
    #expect(result.standardError.contains("\(folder)/nowhere"))
  }

  @Test func truncatedDatasetIsRefused() throws {
    let folder = try CLIRunner.temporaryFolder()
    let data = try SyntheticData.makeFolder(train: 50, test: 10)
    // Cut the training images in half.
    let images = "\(data)/train-images-idx3-ubyte.gz"
    let bytes = try #require(FileManager.default.contents(atPath: images))
    try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: images))
    let path = try write(SyntheticData.model(folder: data), to: folder)
    let result = try CLIRunner.run(["run", path])
    #expect(result.status == 1)
    #expect(result.standardError.contains("train-images-idx3-ubyte.gz"))
    #expect(result.standardError.components(separatedBy: "\n").filter { !$0.isEmpty }.count <= 3)
  }

  @Test func nonExecutableLayerIsNamedAtItsLine() throws {
    let folder = try CLIRunner.temporaryFolder()
    let path = try write(
      """
      neuralnet
        x: Input[8, 8, 1]
        p: LSTM[16]
        x --> p
      train
        loss softmax_cross_entropy(p, labels)
      """, to: folder)
    let result = try CLIRunner.run(["run", path])
    #expect(result.status == 1)
    #expect(result.standardError.contains("model.dlg:3:"))
    #expect(result.standardError.contains("LSTM"))
  }

  @Test func badOptionValues() throws {
    let result = try CLIRunner.run(["run", "x.dlg", "--epochs", "0"])
    #expect(result.status != 0)
    #expect(result.standardError.contains("--epochs"))
  }

  @Test func unknownVizFormat() throws {
    let result = try CLIRunner.run(["viz", "x.dlg", "-o", "out.bmp"])
    #expect(result.status == 1)
    #expect(result.standardError.contains(".svg"))
  }
}

@Suite struct CheckJSONTests {
  @Test func diagnosticsAsJSONWithPlaces() throws {
    let folder = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = "\(folder)/bad.dlg"
    try "neuralnet\n  x: Input[4]\n  y: Dens[3]\n  x --> y\n".write(
      toFile: path, atomically: true, encoding: .utf8)
    let result = try CLIRunner.run(["check", "--json", path])
    #expect(result.status == 1)
    #expect(result.standardError.isEmpty)
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
    #expect(object["ok"] as? Bool == false)
    let diagnostics = try #require(object["diagnostics"] as? [[String: Any]])
    #expect(diagnostics.first?["code"] as? String == "E201")
    #expect(diagnostics.first?["line"] as? Int == 3)
    #expect(diagnostics.first?["column"] as? Int == 6)
    #expect((diagnostics.first?["help"] as? String)?.contains("Dense") == true)
  }
}
