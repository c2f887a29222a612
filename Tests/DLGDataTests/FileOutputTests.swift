import DLGFiles
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Outputs go to the path as the user named it: a regular file replaced atomically keeping
/// its mode, a symbolic link written through, a FIFO written directly; temporaries of killed
/// runs removed.
@Suite struct FileOutputTests {
  func folder() throws -> String {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("dlg-files-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  func read(_ path: String) -> String? {
    FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
  }

  func mode(_ path: String) -> mode_t {
    var status = stat()
    stat(path, &status)
    return status.st_mode & 0o7777
  }

  @Test func aFileIsWrittenAndNoTemporaryIsLeft() throws {
    let dir = try folder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try FileOutput.write(Array("one".utf8), to: "\(dir)/out.txt")
    try FileOutput.write(Array("two".utf8), to: "\(dir)/out.txt")
    #expect(read("\(dir)/out.txt") == "two")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.txt"])
  }

  @Test func anExistingFileKeepsItsMode() throws {
    let dir = try folder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = "\(dir)/secret.dlg"
    try FileOutput.write(Array("a".utf8), to: path)
    chmod(path, 0o600)
    try FileOutput.write(Array("b".utf8), to: path)
    #expect(mode(path) == 0o600)
    #expect(read(path) == "b")
  }

  @Test func aSymbolicLinkIsWrittenThrough() throws {
    let dir = try folder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try FileOutput.write(Array("old".utf8), to: "\(dir)/target.txt")
    symlink("target.txt", "\(dir)/link.txt")
    try FileOutput.write(Array("new".utf8), to: "\(dir)/link.txt")
    #expect(read("\(dir)/target.txt") == "new")
    #expect(
      (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(dir)/link.txt"))
        == "target.txt")
  }

  @Test func aFIFOIsWrittenDirectly() throws {
    let dir = try folder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let fifo = "\(dir)/pipe"
    #expect(mkfifo(fifo, 0o600) == 0)
    let received = Mutex("")
    let reader = Thread {
      let fd = open(fifo, O_RDONLY)
      var buffer = [UInt8](repeating: 0, count: 64)
      let count = Glibc.read(fd, &buffer, 64)
      close(fd)
      received.withLock { $0 = String(decoding: buffer[..<max(count, 0)], as: UTF8.self) }
    }
    reader.start()
    try FileOutput.write(Array("through".utf8), to: fifo)
    for _ in 0..<200 where received.withLock({ $0.isEmpty }) { usleep(5_000) }
    #expect(received.withLock { $0 } == "through")
    var status = stat()
    stat(fifo, &status)
    #expect(status.st_mode & S_IFMT == S_IFIFO)
  }

  @Test func temporariesOfDeadProcessesAreRemoved() throws {
    let dir = try folder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    // No process has this id (beyond Linux's largest pid).
    let stale = "\(dir)/.w.safetensors.tmp-2147483000"
    FileManager.default.createFile(atPath: stale, contents: Data(count: 1024))
    try FileOutput.write(Array("w".utf8), to: "\(dir)/w.safetensors")
    #expect(!FileManager.default.fileExists(atPath: stale))
  }

  @Test func aFolderOrAMissingFolderIsAnError() throws {
    let dir = try folder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    #expect(throws: FileOutput.Failure.self) { try FileOutput.write([1], to: dir) }
    #expect(throws: FileOutput.Failure.self) { try FileOutput.write([1], to: "\(dir)/no/x") }
  }
}
