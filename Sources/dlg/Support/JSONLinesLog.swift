import DLG
import Foundation

/// Appends one JSON object per epoch to a file, flushed each time so a crash keeps what was
/// written.
final class JSONLinesLog {
  private let handle: FileHandle
  private let encoder: JSONEncoder

  /// `append` continues an existing log (a resumed run); otherwise the file starts empty.
  init(path: String, append: Bool = false) throws(TrainingError) {
    let exists = FileManager.default.fileExists(atPath: path)
    guard (append && exists) || FileManager.default.createFile(atPath: path, contents: nil),
      let handle = FileHandle(forWritingAtPath: path)
    else {
      throw .checkpoint("cannot write the log file \(path)")
    }
    if append { _ = try? handle.seekToEnd() }
    self.handle = handle
    encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
  }

  func append(_ record: EpochRecord) throws(TrainingError) {
    do {
      var data = try encoder.encode(record)
      data.append(UInt8(ascii: "\n"))
      try handle.write(contentsOf: data)
    } catch {
      throw .checkpoint("cannot write the log: \(error.localizedDescription)")
    }
  }
}
