import Foundation
import Testing

/// Models written with the layer names of Keras, PyTorch and Mermaid train: `dlg bench` runs
/// steps of each on generated data.
@Suite struct LayerAliasRunTests {
  static let models = [
    "images": """
    neuralnet
      image: Input[12, 12, 3]
      conv:  Conv[8, 3, relu, padding: same]
      norm:  BatchNorm2d
      pool:  MaxPool[2]
      c2:    Conv2d[8, 3]
      avg:   AvgPool2d[2]
      gap:   GlobalAvgPool
      fc:    Linear[4]
      image --> conv --> norm --> pool --> c2 --> avg --> gap --> fc
    train
      loss      softmax_cross_entropy(fc, labels)
      batch     4
    """,
    "sequences": """
    neuralnet
      seq:  f32[N, 16, 6]
      conv: Conv[8, 3, relu]
      ln:   LayerNormalization
      pool: MaxPool1d[2]
      c2:   Conv1d[8, 3]
      avg:  AvgPool[2]
      gmp:  GlobalMaxPooling
      fc:   Linear[3]
      seq --> conv --> ln --> pool --> c2 --> avg --> gmp --> fc
    train
      loss      softmax_cross_entropy(fc, labels)
      batch     4
    """,
  ]

  @Test(arguments: ["images", "sequences"])
  func aModelOfAliasesTrains(_ name: String) throws {
    let folder = NSTemporaryDirectory() + "dlg-aliases-\(getpid())-\(name)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = "\(folder)/\(name).dlg"
    try Self.models[name]!.write(toFile: path, atomically: true, encoding: .utf8)
    let check = try CLIRunner.run(["check", path])
    #expect(check.status == 0, "\(check.standardError)")
    let bench = try CLIRunner.run(["bench", path, "--steps", "2", "--json"])
    #expect(bench.status == 0, "\(bench.standardError)")
    #expect(bench.standardOutput.contains("samples_per_second"))
  }
}
