import Foundation

/// A problem with a data file, phrased for the person who has to fix it: which file, what is
/// wrong, and what to do where that is knowable.
public struct DataError: Error, Sendable, CustomStringConvertible {
  /// The file's path, or the `source` name given with bytes read from memory (sometimes with
  /// `:line`).
  public var path: String
  public var problem: String
  public var help: String?

  public init(_ path: String, _ problem: String, help: String? = nil) {
    self.path = path
    self.problem = problem
    self.help = help
  }

  public var description: String {
    "\(path): \(problem)" + (help.map { " (\($0))" } ?? "")
  }
}

/// The bytes of a file, for the path-based readers: each reads the file with this and hands
/// the bytes to its bytes-based entry point, so both report the same problems the same way.
func readFile(_ path: String, help: String? = nil) throws(DataError) -> [UInt8] {
  guard let data = FileManager.default.contents(atPath: path) else {
    throw DataError(path, "no such file", help: help)
  }
  return [UInt8](data)
}
