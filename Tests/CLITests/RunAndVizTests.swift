import DLGTestData
import Foundation
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// The main job end to end: train from a .dlg file, log, save, and draw it.
@Suite struct RunAndVizTests {
  @Test func runLearnsLogsAndSaves() throws {
    let folder = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let data = try SyntheticData.makeFolder(train: 400, test: 100)
    defer { try? FileManager.default.removeItem(atPath: data) }
    let model = "\(folder)/model.dlg"
    try SyntheticData.model(folder: data, epochs: 5).write(
      toFile: model, atomically: true, encoding: .utf8)
    let result = try CLIRunner.run([
      "run", model, "--epochs", "2", "--batch", "8", "--seed", "4", "--log", "\(folder)/log.jsonl",
      "--save", "\(folder)/w.safetensors",
    ])
    #expect(result.status == 0, "\(result.standardError)")
    // Not a terminal: one plain line per epoch, no progress bar escapes.
    #expect(result.standardError.contains("epoch 2/2"))
    #expect(!result.standardError.contains("\u{1B}["))
    let lines = try String(contentsOfFile: "\(folder)/log.jsonl", encoding: .utf8)
      .split(separator: "\n")
    #expect(lines.count == 2)
    let records = try lines.map {
      try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
    for key in [
      "epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "seconds",
      "samples_per_second",
    ] {
      #expect(records[1][key] != nil, "missing \(key)")
    }
    let first = try #require(records[0]["train_loss"] as? Double)
    let last = try #require(records[1]["train_loss"] as? Double)
    #expect(last < first)
    #expect((records[1]["test_accuracy"] as? Double ?? 0) > 0.3)
    #expect(FileManager.default.fileExists(atPath: "\(folder)/w.safetensors"))
  }

  @Test func vizWritesSVGWithEveryLayerAndShape() throws {
    let folder = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let model = "\(folder)/model.dlg"
    try SyntheticData.model(folder: "/unused").write(
      toFile: model, atomically: true, encoding: .utf8)
    let svgPath = "\(folder)/model.svg"
    let result = try CLIRunner.run(["viz", model, "-o", svgPath])
    #expect(result.status == 0, "\(result.standardError)")
    let svg = try #require(FileManager.default.contents(atPath: svgPath))
    let parser = XMLParser(data: svg)
    #expect(parser.parse(), "SVG is not well-formed XML")
    let text = String(decoding: svg, as: UTF8.self)
    for layer in ["Input", "Conv2D", "Flatten", "Dense"] { #expect(text.contains(layer)) }
    for shape in ["N×8×8×1", "N×6×6×6", "N×216", "N×16", "N×10"] {
      #expect(text.contains(shape), "missing edge label \(shape)")
    }
    let dotResult = try CLIRunner.run(["viz", model, "-o", "\(folder)/model.dot"])
    #expect(dotResult.status == 0)
    let dot = try String(contentsOfFile: "\(folder)/model.dot", encoding: .utf8)
    #expect(dot.hasPrefix("digraph"))
  }
}

@Suite struct CompileCommandTests {
  @Test func jsonReportsPassesAndMemory() throws {
    let folder = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let model = "\(folder)/model.dlg"
    try SyntheticData.model(folder: "/unused").write(
      toFile: model, atomically: true, encoding: .utf8)
    let result = try CLIRunner.run(["compile", model, "--json"])
    #expect(result.status == 0, "\(result.standardError)")
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
    for key in [
      "nodes_before", "nodes_after", "fused", "folded", "arena_bytes", "naive_bytes",
      "lower_bound_bytes",
    ] {
      #expect(object[key] != nil, "missing \(key)")
    }
    let inference = try #require(object["inference"] as? [String: Any])
    #expect((inference["fused"] as? Int ?? 0) >= 3)
    let arena = try #require(object["arena_bytes"] as? Int)
    let lowerBound = try #require(object["lower_bound_bytes"] as? Int)
    #expect(lowerBound <= arena)
    #expect(arena < (object["naive_bytes"] as? Int ?? 0))
    let unoptimized = try CLIRunner.run(["compile", model, "--json", "-O0"])
    let baseline = try #require(
      try JSONSerialization.jsonObject(with: Data(unoptimized.standardOutput.utf8))
        as? [String: Any])
    #expect(baseline["fused"] as? Int == 0)
    #expect((baseline["nodes_after"] as? Int ?? 0) > (object["nodes_after"] as? Int ?? 0))
  }

  @Test func explainTellsWhatChanged() throws {
    let folder = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let model = "\(folder)/model.dlg"
    try SyntheticData.model(folder: "/unused").write(
      toFile: model, atomically: true, encoding: .utf8)
    let result = try CLIRunner.run(["compile", model, "--explain"])
    #expect(result.status == 0)
    #expect(result.standardOutput.contains("fused conv/Conv2D + conv/BiasAdd + conv/ReLU"))
    #expect(result.standardOutput.contains("lower bound"))
  }
}

@Suite struct EvalAndPredictTests {
  @Test func evalAndPredictUseSavedWeights() throws {
    let folder = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let data = try SyntheticData.makeFolder(train: 200, test: 50)
    defer { try? FileManager.default.removeItem(atPath: data) }
    let model = "\(folder)/model.dlg"
    try SyntheticData.model(folder: data, epochs: 2).write(
      toFile: model, atomically: true, encoding: .utf8)
    let trained = try CLIRunner.run(["run", model, "--save", "\(folder)/w.safetensors"])
    #expect(trained.status == 0, "\(trained.standardError)")
    let eval = try CLIRunner.run(["eval", model, "--weights", "\(folder)/w.safetensors", "--json"])
    #expect(eval.status == 0, "\(eval.standardError)")
    let result = try #require(
      try JSONSerialization.jsonObject(with: Data(eval.standardOutput.utf8)) as? [String: Any])
    #expect(result["samples"] as? Int == 50)
    #expect((result["accuracy"] as? Double ?? 0) > 0.3)
    let predict = try CLIRunner.run([
      "predict", model, "--weights", "\(folder)/w.safetensors", "--input",
      "\(data)/t10k-images-idx3-ubyte.gz", "-o", "\(folder)/p.csv",
    ])
    #expect(predict.status == 0, "\(predict.standardError)")
    let rows = try String(contentsOfFile: "\(folder)/p.csv", encoding: .utf8).split(separator: "\n")
    #expect(rows.count == 51)
    #expect(rows[0].hasPrefix("index,class,p0"))
    let missing = try CLIRunner.run(["eval", model, "--weights", "\(folder)/none.safetensors"])
    #expect(missing.status == 1)
    #expect(missing.standardError.contains("none.safetensors"))

    // Two 8×8 samples, the second with a NaN: refused, naming the sample, not "class 0".
    var values = [Float](repeating: 0.5, count: 128)
    values[64 + 7] = .nan
    let npy = "\(folder)/nan.npy"
    try Self.writeNPY(values, shape: [2, 8, 8, 1], to: npy)
    let nan = try CLIRunner.run([
      "predict", model, "--weights", "\(folder)/w.safetensors", "--input", npy, "-o",
      "\(folder)/nan.csv",
    ])
    #expect(nan.status == 1)
    #expect(nan.standardError.contains("sample 1 holds nan"), "\(nan.standardError)")
  }

  /// A little-endian float32 .npy file (format 1.0).
  static func writeNPY(_ values: [Float], shape: [Int], to path: String) throws {
    var header =
      "{'descr': '<f4', 'fortran_order': False, 'shape': ("
      + shape.map(String.init).joined(separator: ", ") + "), }"
    while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
    bytes += [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
    bytes += Array(header.utf8)
    for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
    try Data(bytes).write(to: URL(fileURLWithPath: path))
  }
}
