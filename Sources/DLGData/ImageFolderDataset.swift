import Dispatch
import Foundation

/// A folder of labelled images in the layout most tools share: one sub-folder per class
/// (`photos/cat/1.jpg`, `photos/dog/7.png`), classes sorted by name, their files (in any
/// depth below) sorted by path. Each image is decoded (PNG or JPEG, whatever its extension
/// says), converted to the channels asked for, resized to the size asked for, and kept as
/// bytes. Hidden files (`.DS_Store`) are ignored; a file that does not decode is an error,
/// or, with `skipBad`, left out and reported.
public enum ImageFolderDataset {
  public struct Loaded: Sendable {
    public var dataset: Dataset
    /// The files left out, each with why.
    public var skipped: [String]
  }

  /// Loads `folder`. With `classes` (the training data's, for a test folder), its sub-folders
  /// must be among them and keep their indices.
  public static func load(
    folder: String, height: Int, width: Int, channels: Int, scale: Float, skipBad: Bool,
    classes known: [String]? = nil
  ) throws(DataError) -> Loaded {
    let manager = FileManager.default
    var isDirectory: ObjCBool = false
    let exists = manager.fileExists(atPath: folder, isDirectory: &isDirectory)
    guard exists, isDirectory.boolValue else {
      throw DataError(
        folder, exists ? "is a file, not a folder" : "no such folder",
        help: "images(...) reads a folder with one sub-folder of images per class")
    }
    let entries = ((try? manager.contentsOfDirectory(atPath: folder)) ?? []).filter {
      !$0.hasPrefix(".")
    }
    let classFolders = entries.filter {
      var directory: ObjCBool = false
      return manager.fileExists(atPath: "\(folder)/\($0)", isDirectory: &directory)
        && directory.boolValue
    }.sorted()
    guard !classFolders.isEmpty else {
      throw DataError(
        folder, "has no class sub-folders",
        help: "put each class's images in a folder of its own: \(folder)/cat/1.png, ...")
    }
    let classes = known ?? classFolders
    var files: [(path: String, label: Int32)] = []
    for name in classFolders {
      guard let label = classes.firstIndex(of: name) else {
        throw DataError(
          "\(folder)/\(name)", "is a class the training data does not have",
          help: "the training classes are: " + classes.joined(separator: ", "))
      }
      let root = "\(folder)/\(name)"
      let found = (manager.enumerator(atPath: root)?.allObjects as? [String] ?? []).filter {
        path in
        var directory: ObjCBool = false
        return !path.split(separator: "/").contains { $0.hasPrefix(".") }
          && manager.fileExists(atPath: "\(root)/\(path)", isDirectory: &directory)
          && !directory.boolValue
      }.sorted()
      files += found.map { ("\(root)/\($0)", Int32(label)) }
    }
    guard !files.isEmpty else { throw DataError(folder, "holds no image files") }
    let sampleSize = height * width * channels
    let (total, overflow) = files.count.multipliedReportingOverflow(by: sampleSize)
    guard !overflow, total <= 1 << 34 else {
      throw DataError(
        folder, "\(files.count) images of \(height)×\(width)×\(channels) are too many")
    }
    // Decoded on every core, each into its own slot.
    let paths = files.map(\.path)
    var pixels = [UInt8](repeating: 0, count: total)
    var problems = [String?](repeating: nil, count: files.count)
    pixels.withUnsafeMutableBufferPointer { target in
      problems.withUnsafeMutableBufferPointer { errors in
        let (target, errors) = (UnsafeSendable(target), UnsafeSendable(errors))
        DispatchQueue.concurrentPerform(iterations: files.count) { index in
          do throws(DataError) {
            let image = try ImageFile.read(paths[index], channels: channels)
              .resized(width: width, height: height)
            for i in 0..<sampleSize { target.value[index * sampleSize + i] = image.pixels[i] }
          } catch {
            errors.value[index] = error.description
          }
        }
      }
    }
    let bad = problems.indices.filter { problems[$0] != nil }
    if let first = bad.first, !skipBad {
      throw DataError(
        files[first].path,
        (problems[first] ?? "").replacingOccurrences(of: files[first].path + ": ", with: "")
          + (bad.count > 1 ? " (and \(bad.count - 1) more file(s) that do not decode)" : ""),
        help: "remove it, or write `skip_bad: true` to leave such files out")
    }
    let kept = files.indices.filter { problems[$0] == nil }
    guard !kept.isEmpty else { throw DataError(folder, "none of its files decodes as an image") }
    if !bad.isEmpty {
      var compact = [UInt8](repeating: 0, count: kept.count * sampleSize)
      for (row, index) in kept.enumerated() {
        compact[(row * sampleSize)..<((row + 1) * sampleSize)] =
          pixels[(index * sampleSize)..<((index + 1) * sampleSize)]
      }
      pixels = compact
    }
    var dataset = Dataset(
      bytes: pixels, scale: scale, sampleShape: [height, width, channels],
      labels: kept.map { files[$0].label })
    dataset.classNames = classes
    return Loaded(dataset: dataset, skipped: bad.map { problems[$0] ?? files[$0].path })
  }
}

/// A pointer handed to worker threads that write disjoint parts of it.
struct UnsafeSendable<T>: @unchecked Sendable {
  var value: T
  init(_ value: T) { self.value = value }
}
