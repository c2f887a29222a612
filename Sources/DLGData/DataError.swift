/// A problem with a data file, phrased for the person who has to fix it: which file, what is
/// wrong, and what to do where that is knowable.
public struct DataError: Error, Sendable, CustomStringConvertible {
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
