import Foundation
import Testing

/// `dlg export`, and `.onnx` files in predict, bench and viz, as a user runs them.
@Suite struct ONNXCommandTests {
  /// A small classifier trained for one epoch on a CSV the test writes.
  static func trainedModel(in folder: String) throws -> (model: String, weights: String) {
    var csv = "a,b,c,d,label\n"
    for i in 0..<64 {
      let x = (0..<4).map { Float(($0 + 1) * (i % 7)) / 10 }
      csv += x.map { String($0) }.joined(separator: ",") + ",\(i % 3)\n"
    }
    try csv.write(toFile: folder + "/data.csv", atomically: true, encoding: .utf8)
    let model = folder + "/model.dlg"
    try """
    neuralnet sequential
      Input[4]
      hidden: Dense[8, relu]
      out: Dense[3]
    train
      data csv("data.csv", features: [a, b, c, d], label: [label])
      loss softmax_cross_entropy(out, labels)
      optimizer Adam(lr: 0.01)
      batch 16
      epochs 1
    """.write(toFile: model, atomically: true, encoding: .utf8)
    let weights = folder + "/w.safetensors"
    let run = try CLIRunner.run(["run", model, "--save", weights])
    #expect(run.status == 0, "\(run.standardError)")
    return (model, weights)
  }

  @Test func exportedModelPredictsLikeTheDlgFile() throws {
    let folder = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let (model, weights) = try Self.trainedModel(in: folder)
    let onnx = folder + "/model.onnx"
    let export = try CLIRunner.run(["export", model, "--weights", weights, "-o", onnx])
    #expect(export.status == 0, "\(export.standardError)")
    #expect(export.standardOutput.contains("opset 17"))

    // The same samples through the .dlg model and the .onnx file: the same classes.
    let samples = folder + "/x.npy"
    try Self.writeNPY(samples, rows: 5, columns: 4)
    let fromDLG = try CLIRunner.run(
      ["predict", model, "--weights", weights, "--input", samples, "-o", folder + "/a.csv"])
    let fromONNX = try CLIRunner.run(["predict", onnx, "--input", samples, "-o", folder + "/b.csv"])
    #expect(fromDLG.status == 0 && fromONNX.status == 0, "\(fromONNX.standardError)")
    let classes = { (path: String) throws -> [String] in
      try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst()
        .map { String($0.split(separator: ",")[1]) }
    }
    #expect(try classes(folder + "/a.csv") == classes(folder + "/b.csv"))

    // Back to a .dlg file and weights: the same classes again.
    let imported = folder + "/imported.dlg"
    let importing = try CLIRunner.run(["import", onnx, "-o", imported])
    #expect(importing.status == 0, "\(importing.standardError)")
    let text = try String(contentsOfFile: imported, encoding: .utf8)
    #expect(text.contains("Dense[8, relu]") && text.contains("Dense[3]"), "\(text)")
    let fromImport = try CLIRunner.run([
      "predict", imported, "--weights", folder + "/imported.safetensors", "--input", samples,
      "-o", folder + "/c.csv",
    ])
    #expect(fromImport.status == 0, "\(fromImport.standardError)")
    #expect(try classes(folder + "/a.csv") == classes(folder + "/c.csv"))

    let bench = try CLIRunner.run(["bench", onnx, "--inference", "--batch", "4", "--steps", "3"])
    #expect(bench.status == 0, "\(bench.standardError)")
    #expect(bench.standardOutput.contains("(inference): batch 4"))
    let viz = try CLIRunner.run(["viz", onnx, "-o", folder + "/m.svg"])
    #expect(viz.status == 0, "\(viz.standardError)")
    #expect(try String(contentsOfFile: folder + "/m.svg", encoding: .utf8).contains("MatMul"))
  }

  @Test func badONNXFilesEndWithOneClearMessage() throws {
    let folder = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let junk = folder + "/junk.onnx"
    try Data((0..<300).map { UInt8(($0 * 37) % 256) }).write(to: URL(fileURLWithPath: junk))
    try Self.writeNPY(folder + "/x.npy", rows: 1, columns: 4)
    for arguments in [
      ["predict", junk, "--input", folder + "/x.npy", "-o", folder + "/p.csv"],
      ["bench", junk, "--inference"], ["viz", junk, "-o", folder + "/j.svg"],
      ["predict", folder + "/missing.onnx", "--input", folder + "/x.npy", "-o", folder + "/p.csv"],
    ] {
      let result = try CLIRunner.run(arguments)
      #expect(result.status == 1, "\(arguments): \(result.standardError)")
      #expect(result.standardError.split(separator: "\n").count <= 3, "\(result.standardError)")
      #expect(result.standardError.contains("onnx"), "\(result.standardError)")
    }
    let (model, weights) = try Self.trainedModel(in: folder)
    let opset = try CLIRunner.run(
      ["export", model, "--weights", weights, "-o", folder + "/m.onnx", "--opset", "99"])
    #expect(opset.status == 1)
    #expect(opset.standardError.contains("opset 99 is not one dlg writes"))
    let training = try CLIRunner.run([
      "export", model, "--weights", weights, "-o", folder + "/m.onnx",
    ])
    #expect(training.status == 0)
    let bench = try CLIRunner.run(["bench", folder + "/m.onnx"])
    #expect(bench.status == 1)
    #expect(bench.standardError.contains("--inference"))
  }

  /// A float32 .npy of `rows` × `columns` values in [0, 1).
  static func writeNPY(_ path: String, rows: Int, columns: Int) throws {
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(columns)), }"
    while (10 + header.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
    bytes += [UInt8(header.count & 0xff), UInt8(header.count >> 8)] + Array(header.utf8)
    for i in 0..<(rows * columns) {
      let value = Float((i * 13) % 17) / 17
      withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 }
    }
    try Data(bytes).write(to: URL(fileURLWithPath: path))
  }
}
