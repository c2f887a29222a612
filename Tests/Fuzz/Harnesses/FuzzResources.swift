import DLG
import Foundation

/// Inputs several harnesses share, built once per process.
enum FuzzResources {
  /// The repository's `stdlib` folder (found from this file's path, or `DLG_STDLIB`), so
  /// models under test can import `transformer` and the rest.
  static let standardLibrary: [String] = {
    if let path = ProcessInfo.processInfo.environment["DLG_STDLIB"] { return [path] }
    let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return [repository.appendingPathComponent("stdlib").path]
  }()

  /// The standard library's files by path, so imports are answered from memory and a
  /// harness never opens a file (an input naming `/dev/zero` must not make runs differ).
  static let standardLibraryTexts: [String: String] = {
    var texts: [String: String] = [:]
    for folder in standardLibrary {
      let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
      for name in names where name.hasSuffix(".dlg") {
        texts["\(folder)/\(name)"] = try? String(
          contentsOfFile: "\(folder)/\(name)", encoding: .utf8)
      }
    }
    return texts
  }()

  /// The model checkpoints and weights are loaded into: a convolution, batch normalization
  /// (running statistics), a dense layer and Adam (optimizer state), as most models have.
  static let modelText = """
    neuralnet
      image: Input[4, 4, 1]
      conv:  Conv2D[2, 3x3, relu, padding: same]
      norm:  BatchNorm
      flat:  Flatten
      out:   Dense[3]
      image --> conv --> norm --> flat --> out

    train
      loss      softmax_cross_entropy(out, labels)
      optimizer Adam(lr: 0.01)
      batch     2
      epochs    2
      seed      1
    """

  /// A trainer of `modelText` (no data is read until training starts). Harnesses run one
  /// input at a time, so sharing it is safe.
  nonisolated(unsafe) static let trainer: Trainer = {
    let source = SourceFile(path: "fuzz-model.dlg", text: modelText)
    guard let model = ModelLowering.lower(Parser.parse(source).model).model,
      let trainer = try? Trainer(model: model)
    else { fatalError("the fuzz harnesses' own model does not build") }
    return trainer
  }()
}

/// Ways to read one fuzz input as several.
enum FuzzInput {
  /// Two byte strings: a 4-byte little-endian length, that many bytes (or what there is),
  /// then the rest.
  static func split(_ bytes: [UInt8]) -> ([UInt8], [UInt8]) {
    guard bytes.count >= 4 else { return (bytes, []) }
    var length = 0
    for i in 0..<4 { length |= Int(bytes[i]) << (8 * i) }
    let end = 4 + min(length, bytes.count - 4)
    return (Array(bytes[4..<end]), Array(bytes[end...]))
  }

  /// `split`'s inverse, for writing seeds.
  static func join(_ first: [UInt8], _ second: [UInt8]) -> [UInt8] {
    let n = first.count
    return [UInt8(n & 255), UInt8(n >> 8 & 255), UInt8(n >> 16 & 255), UInt8(n >> 24 & 255)]
      + first + second
  }
}
