import DLGTestData
import Foundation
import Testing

/// `dlg run` on a file with two train stages: both in order, one alone, and the mistakes.
@Suite struct StageRunTests {
  static func stages(_ data: String) -> String {
    """
    neuralnet
      image: Input[8, 8, 1]
      noisy: Dropout[0.25, stage: pretrain]
      flat:  Flatten
      enc:   Dense[24, relu]
      dec:   Dense[64, sigmoid]
      head:  Dense[10]
      image --> noisy --> flat --> enc --> dec
      enc --> head
    train pretrain
      data   idx("\(data)", split: "train", scale: 1/255)
      loss   mse(dec, image)
      epochs 2
    train finetune
      from   pretrain
      data   idx("\(data)", split: "train", scale: 1/255, subset: 60)
      test   idx("\(data)", split: "t10k", scale: 1/255)
      loss   softmax_cross_entropy(head, labels)
      freeze [enc]
      metrics accuracy
      epochs 2
    """
  }

  @Test func bothStagesRunInOrderAndHandWeightsOn() throws {
    let folder = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let data = try SyntheticData.makeFolder(train: 200, test: 50)
    defer { try? FileManager.default.removeItem(atPath: data) }
    let model = "\(folder)/stages.dlg"
    try Self.stages(data).write(toFile: model, atomically: true, encoding: .utf8)
    let run = try CLIRunner.run([
      "run", model, "--save", "\(folder)/w.safetensors", "--log", "\(folder)/log.jsonl",
    ])
    #expect(run.status == 0, "\(run.standardError)")
    #expect(run.standardError.contains("stage pretrain (1 of 2)"))
    #expect(run.standardError.contains("init: loaded 6 tensor(s) from stage pretrain"))
    #expect(run.standardError.contains("60 samples"))
    for name in ["w.pretrain.safetensors", "w.safetensors"] {
      #expect(FileManager.default.fileExists(atPath: "\(folder)/\(name)"), "\(name)")
    }
    let log = try String(contentsOfFile: "\(folder)/log.jsonl", encoding: .utf8)
    #expect(log.components(separatedBy: "\"stage\":\"pretrain\"").count == 3)
    #expect(log.components(separatedBy: "\"stage\":\"finetune\"").count == 3)

    // Alone, the second stage finds the first one's weights where --save put them.
    let alone = try CLIRunner.run([
      "run", model, "--stage", "finetune", "--save", "\(folder)/w.safetensors",
    ])
    #expect(alone.status == 0, "\(alone.standardError)")
    #expect(alone.standardError.contains("init: loaded 6 tensor(s) from \(folder)/w.pretrain"))
    #expect(!alone.standardError.contains("stage pretrain"))
  }

  @Test func aStageAloneNeedsItsPredecessorsWeights() throws {
    let folder = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let model = "\(folder)/stages.dlg"
    try Self.stages("/nonexistent").write(toFile: model, atomically: true, encoding: .utf8)
    let missing = try CLIRunner.run(["run", model, "--stage", "finetune"])
    #expect(missing.status != 0)
    #expect(missing.standardError.contains("starts from the weights of stage pretrain"))
    let unknown = try CLIRunner.run(["run", model, "--stage", "pretrian"])
    #expect(unknown.status != 0)
    #expect(unknown.standardError.contains("has the stages pretrain, finetune"))
  }

  @Test func freezeShrinksTheCompiledTrainingStep() throws {
    let folder = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let plain = SyntheticData.model(folder: "/unused")
    var counts: [Int] = []
    for (name, text) in [("plain", plain), ("frozen", plain + "\n  freeze [conv, fc]\n")] {
      let path = "\(folder)/\(name).dlg"
      try text.write(toFile: path, atomically: true, encoding: .utf8)
      let result = try CLIRunner.run(["compile", path, "--json"])
      #expect(result.status == 0, "\(result.standardError)")
      let object = try #require(
        try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
      counts.append(try #require(object["nodes_before"] as? Int))
    }
    #expect(counts[1] < counts[0], "\(counts)")
  }
}
