import DLGData
import Foundation
import Testing

/// A folder of PNG and JPEG files in class sub-folders trains with `images(...)`, and
/// `dlg predict` on one image prints its class by name.
@Suite struct ImageFolderRunTests {
  @Test func trainsOnAnImageFolderAndPredictsByClassName() throws {
    let root = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: root) }
    var generator = SystemRandomNumberGenerator()
    // Dark and light images of varied sizes, PNG and JPEG, grayscale and colour.
    for (index, (name, base)) in [("dark", 30), ("light", 220)].enumerated() {
      try FileManager.default.createDirectory(
        atPath: "\(root)/photos/\(name)", withIntermediateDirectories: true)
      for i in 0..<12 {
        let (width, height, channels) = (10 + i, 8 + i % 3, i % 2 == 0 ? 3 : 1)
        let pixels = (0..<(width * height * channels)).map { _ in
          UInt8(clamping: base + Int.random(in: -25...25, using: &generator))
        }
        let image = Image(width: width, height: height, channels: channels, pixels: pixels)
        let jpeg = (i + index) % 3 == 0
        let bytes = try #require(ImageFile.encode(image, jpegQuality: jpeg ? 90 : nil))
        try Data(bytes).write(
          to: URL(fileURLWithPath: "\(root)/photos/\(name)/\(i).\(jpeg ? "jpg" : "png")"))
      }
    }
    let model = """
      neuralnet
        image: Input[8, 8, 3]
        flat:  Flatten
        out:   Dense[2]
      train
        data    images("photos", size: 8x8, channels: 3)
        loss    softmax_cross_entropy(out, labels)
        optimizer Adam(lr: 0.05)
        batch   4
        epochs  8
        metrics accuracy
      """
    try model.write(toFile: "\(root)/m.dlg", atomically: true, encoding: .utf8)
    let run = try CLIRunner.run(["run", "\(root)/m.dlg", "--save", "\(root)/w.safetensors"])
    #expect(run.status == 0, "\(run.standardError)")
    #expect(run.standardError.contains("24 samples"))
    let probe = try #require(
      ImageFile.encode(
        Image(width: 30, height: 20, channels: 3, pixels: .init(repeating: 25, count: 1800))))
    try Data(probe).write(to: URL(fileURLWithPath: "\(root)/probe.png"))
    let predicted = try CLIRunner.run([
      "predict", "\(root)/m.dlg", "--weights", "\(root)/w.safetensors", "--input",
      "\(root)/probe.png",
    ])
    #expect(predicted.status == 0, "\(predicted.standardError)")
    #expect(
      predicted.standardOutput.hasPrefix("\(root)/probe.png: dark ("), "\(predicted.standardOutput)"
    )
    let evaluated = try CLIRunner.run([
      "eval", "\(root)/m.dlg", "--weights", "\(root)/w.safetensors",
    ])
    #expect(evaluated.standardOutput.contains("classes: 0 dark, 1 light"), "\(evaluated)")
  }
}
