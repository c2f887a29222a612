import Foundation
import Testing

@testable import DLGLang

/// Imports resolved from buffers (an editor's unsaved files, a server's request) as from disk.
@Suite struct ModuleLoaderTests {
  static let main = """
    import dense
    import "parts/head.dlg"
    neuralnet
      x: Input[4]
      m: MLP[8]
      h: Head[2]
      x --> m --> h
    """
  static let dense = "block MLP(hidden)\n  a: Dense[hidden, relu]\nend\n"
  static let head = "import \"../shared.dlg\"\nblock Head(n)\n  d: Dense[n]\nend\n"
  static let shared = "block Shared(n)\n  d: Dense[n]\nend\n"

  func blockNames(_ loaded: ModuleLoader.Loaded) -> [String] {
    loaded.file.blocks.map(\.name.name)
  }

  func folder() throws -> String {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("dlg-loader-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(
      atPath: "\(path)/project/parts", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(
      atPath: "\(path)/stdlib", withIntermediateDirectories: true)
    return path
  }

  @Test func buffersLoadLikeTheFilesOnDisk() throws {
    let root = try folder()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let files = [
      "\(root)/stdlib/dense.dlg": Self.dense,
      "\(root)/project/parts/head.dlg": Self.head,
      "\(root)/project/shared.dlg": Self.shared,
    ]
    for (path, text) in files { try text.write(toFile: path, atomically: true, encoding: .utf8) }
    let main = SourceFile(path: "\(root)/project/main.dlg", text: Self.main)
    let fromDisk = ModuleLoader(libraryPaths: ["\(root)/stdlib"]).load(main)
    // The same paths, with `.` and `..` the loader must see through, and no file read.
    let buffers = [
      "\(root)/stdlib/./dense.dlg": Self.dense,
      "\(root)/project/parts/head.dlg": Self.head,
      "\(root)/project/parts/../shared.dlg": Self.shared,
    ]
    for path in files.keys { try FileManager.default.removeItem(atPath: path) }
    let fromBuffers = ModuleLoader(
      libraryPaths: ["\(root)/stdlib"], buffers: buffers, readsFiles: false
    ).load(main)
    #expect(fromDisk.diagnostics.isEmpty, "\(fromDisk.diagnostics)")
    #expect(fromBuffers.diagnostics.isEmpty, "\(fromBuffers.diagnostics)")
    #expect(blockNames(fromBuffers) == blockNames(fromDisk))
    #expect(Set(blockNames(fromDisk)) == ["MLP", "Shared", "Head"])
    #expect(fromBuffers.sources.map(\.path) == fromDisk.sources.map(\.path))
    #expect(fromBuffers.sources.map(\.text) == fromDisk.sources.map(\.text))
  }

  @Test func aBufferTakesThePlaceOfItsFile() throws {
    let root = try folder()
    defer { try? FileManager.default.removeItem(atPath: root) }
    try Self.shared.write(
      toFile: "\(root)/project/shared.dlg", atomically: true, encoding: .utf8)
    try "block OnDisk(n)\n  d: Dense[n]\nend\n".write(
      toFile: "\(root)/project/parts/head.dlg", atomically: true, encoding: .utf8)
    let main = SourceFile(path: "\(root)/project/main.dlg", text: "import \"parts/head.dlg\"\n")
    let loader = ModuleLoader(
      libraryPaths: [], buffers: ["\(root)/project/parts/head.dlg": Self.head])
    let loaded = loader.load(main)
    #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
    // The unsaved head, and the file on disk it imports.
    #expect(blockNames(loaded) == ["Shared", "Head"])
  }

  @Test func aLoaderThatReadsNoFilesCannotImportOne() throws {
    let root = try folder()
    defer { try? FileManager.default.removeItem(atPath: root) }
    try Self.shared.write(
      toFile: "\(root)/project/shared.dlg", atomically: true, encoding: .utf8)
    let text = "import \"\(root)/project/shared.dlg\"\nimport dense\n"
    let main = SourceFile(path: "/virtual/main.dlg", text: text)
    let loaded = ModuleLoader(libraryPaths: ["\(root)/stdlib"], buffers: [:], readsFiles: false)
      .load(main)
    #expect(loaded.sources.count == 1)
    #expect(loaded.diagnostics.count == 2)
    #expect(
      loaded.diagnostics.allSatisfy {
        $0.code == DiagnosticCode.importNotFound
          && ($0.help ?? "").contains("among the buffers given; this loader reads no files")
      })
    // The same file is found when the loader may read it.
    let reading = ModuleLoader(libraryPaths: ["\(root)/stdlib"]).load(main)
    #expect(blockNames(reading) == ["Shared"])
  }

  @Test func cyclesAmongBuffersAreReported() {
    let buffers = [
      "/virtual/a.dlg": "import \"b.dlg\"\nblock A(n)\n  d: Dense[n]\nend\n",
      "/virtual/b.dlg": "import \"a.dlg\"\nblock B(n)\n  d: Dense[n]\nend\n",
    ]
    let main = SourceFile(path: "/virtual/main.dlg", text: "import \"a.dlg\"\n")
    let loaded = ModuleLoader(libraryPaths: [], buffers: buffers, readsFiles: false).load(main)
    #expect(
      loaded.diagnostics.contains {
        $0.code == DiagnosticCode.importCycle && $0.message.contains("a.dlg → b.dlg → a.dlg")
      })
    #expect(Set(blockNames(loaded)) == ["A", "B"])
  }

  @Test func anImportThatIsNotUTF8LoadsWithoutTrapping() throws {
    let root = try folder()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let bytes =
      Array("block Bad(n)\n  d: Dense[n]\n".utf8) + [0xFF, 0xC3, 0x28, 0x0A]
      + Array("end\n".utf8)
    try Data(bytes).write(to: URL(fileURLWithPath: "\(root)/project/bad.dlg"))
    let main = SourceFile(path: "\(root)/project/main.dlg", text: "import \"bad.dlg\"\n")
    let loaded = ModuleLoader(libraryPaths: []).load(main)
    #expect(loaded.sources.count == 2)
    for diagnostic in loaded.diagnostics {
      let range = try #require(diagnostic.range)
      let file = try #require(loaded.sources.first { $0.path == range.file })
      #expect(range.end.offset <= file.bytes.count)
    }
  }
}
