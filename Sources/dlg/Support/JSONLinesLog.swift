import DLG
import Foundation

/// Appends one JSON object per epoch to a file, flushed each time so a crash keeps what was
/// written.
final class JSONLinesLog {
  private let handle: FileHandle
  private let encoder: JSONEncoder

  init(path: String) throws(TrainingError) {
    guard FileManager.default.createFile(atPath: path, contents: nil),
      let handle = FileHandle(forWritingAtPath: path)
    else {
      throw .checkpoint("cannot write the log file \(path)")
    }
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
