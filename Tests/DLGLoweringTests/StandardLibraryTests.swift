import DLGGraph
import DLGLang
import DLGLowering
import Foundation
import Testing

/// Every block of stdlib/ instantiated in a small model, so the standard library always
/// compiles; imports resolve, and their mistakes are reported.
@Suite struct StandardLibraryTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  static let stdlib = root.appendingPathComponent("stdlib").path

  func load(_ text: String, in folder: String = NSTemporaryDirectory()) -> (Model?, [Diagnostic]) {
    let path = "\(folder)/model-\(UUID().uuidString).dlg"
    let loaded = ModuleLoader(libraryPaths: [Self.stdlib]).load(SourceFile(path: path, text: text))
    if loaded.diagnostics.contains(where: { $0.severity == .error }) {
      return (nil, loaded.diagnostics)
    }
    return ModelLowering.lower(loaded.file)
  }

  @Test(arguments: [
    ("conv", "Input[16, 16, 3]", "ConvPool[8]"),
    ("conv", "Input[16, 16, 3]", "DoubleConvPool[8, kernel: 5x5]"),
    ("conv", "Input[28, 28, 1]", "LeNetFeatures"),
    ("dense", "Input[20]", "MLP[32]"),
    ("dense", "Input[20]", "ResidualDense[20]"),
    ("dense", "Input[4, 4, 8]", "ClassifierHead[10]"),
    ("transformer", "Input[6, 8]", "TransformerEncoderBlock[8, 2, 16]"),
    ("transformer", "Input[6, 8]", "TransformerDecoderBlock[8, 2, 16] * 2"),
  ])
  func everyBlockCompiles(module: String, input: String, use: String) throws {
    let (model, diagnostics) = load(
      """
      import \(module)
      neuralnet
        x: Input\(input.dropFirst("Input".count))
        b: \(use)
        x --> b
      """)
    #expect(diagnostics.isEmpty, "\(diagnostics)")
    #expect(try #require(model).layers.count > 2)
  }

  @Test func everyStdlibFileParses() throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: Self.stdlib)
      .filter { $0.hasSuffix(".dlg") }
    #expect(!files.isEmpty)
    for file in files {
      let text = try String(contentsOfFile: "\(Self.stdlib)/\(file)", encoding: .utf8)
      let result = Parser.parse(SourceFile(path: file, text: text))
      #expect(result.diagnostics.isEmpty, "\(file): \(result.diagnostics)")
      #expect(!result.model.blocks.isEmpty)
    }
  }

  @Test func missingAndCyclicImportsAreReported() throws {
    let folder = NSTemporaryDirectory() + "dlg-imports-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try "import \"b.dlg\"\nblock A(x)\n  d: Dense[x]\nend\n".write(
      toFile: "\(folder)/a.dlg", atomically: true, encoding: .utf8)
    try "import \"a.dlg\"\nblock B(x)\n  d: Dense[x]\nend\n".write(
      toFile: "\(folder)/b.dlg", atomically: true, encoding: .utf8)
    let (_, cyclic) = load("import \"a.dlg\"\nneuralnet\n  i: Input[2]\n", in: folder)
    #expect(cyclic.contains { $0.code == "E112" && $0.message.contains("a.dlg → b.dlg → a.dlg") })
    let (_, missing) = load("import nosuchmodule\nneuralnet\n  i: Input[2]\n", in: folder)
    #expect(missing.contains { $0.code == "E111" && $0.range?.start.line == 1 })
    let (relative, ok) = load(
      "import \"a.dlg\"\nneuralnet\n  i: Input[2]\n  y: B[3]\n  i --> y\n", in: folder)
    #expect(relative == nil || ok.allSatisfy { $0.code == "E112" })
  }

  /// Diagram labels quote a block's arguments from the file the block was written in.
  @Test func labelsOfImportedLayersQuoteTheirOwnFile() throws {
    let loader = ModuleLoader(
      libraryPaths: [],
      buffers: ["/virtual/blocks.dlg": "block Head(units)\n  d: Dense[units, relu]\nend\n"],
      readsFiles: false)
    let loaded = loader.load(
      SourceFile(
        path: "/virtual/main.dlg",
        text: "import \"blocks.dlg\"\nneuralnet\n  x: Input[4]\n  h: Head[7]\n  x --> h\n"))
    #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
    let model = try #require(ModelLowering.lower(loaded.file).model)
    #expect(model.layers.contains { $0.id == "h.d" && $0.argumentsText == "units, relu" })
  }
}
