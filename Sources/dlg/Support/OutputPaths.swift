import Foundation

/// The files a run will write (`--save`, `--checkpoint`, `--log`, `--plot`), checked before
/// any data is read or any step is taken: a run must never train for an hour and then find it
/// cannot write its result, or overwrite the model it was given.
enum OutputPaths {
  /// Each path's folder exists and is writable; no path is a folder, the model file, or
  /// another output's path. Returns the first problem, in words.
  static func problem(_ outputs: [(flag: String, path: String)], modelFile: String) -> String? {
    let model = canonical(modelFile)
    var seen: [String: String] = [:]
    for (flag, path) in outputs {
      let target = canonical(path)
      if target == model {
        return "\(flag) \(path) is the model file: choose another name, or the model is lost"
      }
      if let other = seen[target] {
        return "\(flag) and \(other) both write \(path): give each its own file"
      }
      seen[target] = flag
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
        isDirectory.boolValue
      {
        return "\(flag) \(path) is a folder: name a file in it"
      }
      let folder = (target as NSString).deletingLastPathComponent
      guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory),
        isDirectory.boolValue
      else {
        return "\(flag) \(path): the folder \(folder) does not exist (create it first)"
      }
      guard FileManager.default.isWritableFile(atPath: folder) else {
        return "\(flag) \(path): the folder \(folder) is not writable"
      }
    }
    return nil
  }

  /// An absolute path with symbolic links resolved as far as the path exists.
  static func canonical(_ path: String) -> String {
    let absolute = URL(fileURLWithPath: path).standardizedFileURL
    return absolute.resolvingSymlinksInPath().path
  }
}
