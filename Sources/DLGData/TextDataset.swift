import Foundation

/// The words a text model knows: the most frequent words of the training file, each with an
/// id. Id 0 pads short texts, id 1 stands for any word not in the vocabulary.
public struct Vocabulary: Sendable, Equatable {
  public static let padding: Int32 = 0
  public static let unknown: Int32 = 1
  public var ids: [String: Int32]

  /// The `size − 2` most frequent words (ties broken alphabetically, so it is reproducible).
  public init(texts: [[String]], size: Int) {
    var counts: [String: Int] = [:]
    for words in texts { for word in words { counts[word, default: 0] += 1 } }
    let ranked = counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(max(size - 2, 0))
    ids = Dictionary(uniqueKeysWithValues: ranked.enumerated().map { ($1.key, Int32($0 + 2)) })
  }

  public func encode(_ words: [String], length: Int) -> [Int32] {
    var result = words.prefix(length).map { ids[$0] ?? Vocabulary.unknown }
    result += Array(repeating: Vocabulary.padding, count: length - result.count)
    return result
  }
}

/// Labelled text lines, `label<TAB>text`, turned into fixed-length sequences of word ids.
public enum TextDataset {
  /// Lower-case words: runs of letters and digits.
  public static func tokenize(_ text: String) -> [String] {
    text.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
  }

  /// Loads a file; builds the vocabulary from it unless one is given (the test file uses the
  /// training file's).
  public static func load(path: String, vocabularySize: Int, length: Int, vocabulary: Vocabulary?)
    throws(DataError) -> (Dataset, Vocabulary)
  {
    try load(
      bytes: try readFile(path), source: path, vocabularySize: vocabularySize, length: length,
      vocabulary: vocabulary)
  }

  /// Loads `label<TAB>text` lines from bytes in memory (UTF-8; bytes that are not are read as
  /// U+FFFD, as for a file). `source` names them in errors, as the path does for a file.
  public static func load(
    bytes: [UInt8], source path: String, vocabularySize: Int, length: Int,
    vocabulary: Vocabulary?
  ) throws(DataError) -> (Dataset, Vocabulary) {
    var labels: [Int32] = []
    var texts: [[String]] = []
    // Blank lines are kept (and skipped below) so the line numbers in errors stay right.
    let lines = String(decoding: bytes, as: UTF8.self).split(
      omittingEmptySubsequences: false, whereSeparator: \.isNewline)
    for (index, line) in lines.enumerated() where !line.allSatisfy(\.isWhitespace) {
      guard let tab = line.firstIndex(of: "\t"),
        let label = Int32(line[..<tab].trimmingCharacters(in: .whitespaces)), label >= 0
      else {
        throw DataError(
          "\(path):\(index + 1)", "expected `label<TAB>text` with a class number as the label")
      }
      labels.append(label)
      texts.append(tokenize(String(line[line.index(after: tab)...])))
    }
    guard !labels.isEmpty else { throw DataError(path, "has no lines") }
    let vocabulary = vocabulary ?? Vocabulary(texts: texts, size: vocabularySize)
    let features = texts.flatMap { vocabulary.encode($0, length: length) }.map(Float.init)
    return (Dataset(features: features, sampleShape: [length], labels: labels), vocabulary)
  }
}
