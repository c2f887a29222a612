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
    self.init(counts: counts, size: size)
  }

  /// The `size − 2` most frequent of the counted tokens, ties broken by the tokens' order.
  public init(counts: [String: Int], size: Int) {
    let ranked = counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(max(size - 2, 0))
    self.init(tokens: ranked.map(\.key))
  }

  /// The given tokens with ids 2, 3, ... in order (as `tokens` lists them).
  public init(tokens: [String]) {
    ids = [:]
    for token in tokens where ids[token] == nil { ids[token] = Int32(ids.count + 2) }
  }

  /// The tokens by id, from id 2 (0 and 1 stand for padding and unknown tokens): what a
  /// weights file saves so that generation and evaluation map text the same way.
  public var tokens: [String] {
    var result = [String](repeating: "", count: ids.count)
    for (token, id) in ids { result[Int(id) - 2] = token }
    return result
  }

  /// Ids 0 and 1 and one for each token.
  public var size: Int { ids.count + 2 }

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

extension Vocabulary {
  /// The tokens as a JSON array in id order, for a weights file's metadata.
  public var json: String {
    let data = (try? JSONEncoder().encode(tokens)) ?? Data("[]".utf8)
    return String(decoding: data, as: UTF8.self)
  }

  /// The vocabulary a weights file saved as `json`, or nil when the text is not such a list.
  public init?(json: String) {
    guard let tokens = try? JSONDecoder().decode([String].self, from: Data(json.utf8)) else {
      return nil
    }
    self.init(tokens: tokens)
  }
}
