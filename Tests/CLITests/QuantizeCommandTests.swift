import DLGTestData
import Foundation
import Testing

/// `dlg quantize` as a user runs it: train, quantize, evaluate both files.
@Suite struct QuantizeCommandTests {
  func accuracy(_ result: CLIRunner.Result) throws -> Double {
    let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8))
    return try #require((object as? [String: Any])?["accuracy"] as? Double)
  }

  @Test func theInt8FileIsSmallerAndScoresLikeTheOriginal() throws {
    let folder = try SyntheticData.makeFolder(train: 400, test: 200)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let model = "\(folder)/m.dlg"
    try SyntheticData.model(folder: folder, epochs: 2).write(
      toFile: model, atomically: true, encoding: .utf8)
    let weights = "\(folder)/w.safetensors"
    let run = try CLIRunner.run(["run", model, "--save", weights])
    #expect(run.status == 0, "\(run.standardError)")

    let quantize = try CLIRunner.run(["quantize", model, "--weights", weights])
    #expect(quantize.status == 0, "\(quantize.standardError)")
    let int8 = "\(folder)/w.int8.safetensors"
    #expect(quantize.standardError.contains("wrote \(int8): 3 weights in int8"))
    let size = { (path: String) in
      try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    }
    // fc (216×16) dominates: 4 bytes a weight become 1, beside a header of about 1 KB that
    // both files have (a real model's is 3.9× smaller, docs/quantization.md).
    #expect(try 2 * size(weights) > 5 * size(int8), "\(quantize.standardError)")

    let f32 = try accuracy(CLIRunner.run(["eval", model, "--weights", weights, "--json"]))
    let q = try accuracy(CLIRunner.run(["eval", model, "--weights", int8, "--json"]))
    #expect(abs(f32 - q) <= 0.02, "f32 \(f32), int8 \(q)")
    let predict = try CLIRunner.run([
      "predict", model, "--weights", int8, "--input", "\(folder)/t10k-images-idx3-ubyte.gz",
    ])
    #expect(predict.status == 0, "\(predict.standardError)")
  }

  @Test func outputsThatWouldLoseAFileAreRefused() throws {
    let folder = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let model = "\(folder)/m.dlg"
    try SyntheticData.model(folder: folder).write(toFile: model, atomically: true, encoding: .utf8)
    let weights = "\(folder)/w.safetensors"
    try Data("not weights".utf8).write(to: URL(fileURLWithPath: weights))
    for (output, says) in [
      (weights, "is the weights file"), (model, "is the model file"),
      ("\(folder)/none/q.safetensors", "does not exist"),
    ] {
      let result = try CLIRunner.run(["quantize", model, "--weights", weights, "-o", output])
      #expect(result.status == 1)
      #expect(result.standardError.contains(says), "\(result.standardError)")
    }
    let broken = try CLIRunner.run(["quantize", model, "--weights", weights])
    #expect(broken.status == 1)
    #expect(broken.standardError.contains("not a valid safetensors file"))
    #expect(!FileManager.default.fileExists(atPath: "\(folder)/w.int8.safetensors"))
  }
}
