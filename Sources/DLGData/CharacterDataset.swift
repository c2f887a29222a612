import Foundation

/// A character-level language-model corpus: one text cut into consecutive pieces of `length`
/// characters, each labelled with the next `length` characters (its successor at every
/// position). Characters are Unicode scalars, so Chinese or any UTF-8 text works; the ids come
/// from a `Vocabulary` of the most frequent characters (id 1 for the rest).
public enum CharacterDataset {
  /// Loads a file; builds the vocabulary from it (all its characters, or the `vocabularySize
  /// − 2` most frequent) unless one is given (a test file uses the training file's).
  public static func load(path: String, length: Int, vocabularySize: Int?, vocabulary: Vocabulary?)
    throws(DataError) -> (Dataset, Vocabulary)
  {
    try load(
      bytes: try readFile(path), source: path, length: length, vocabularySize: vocabularySize,
      vocabulary: vocabulary)
  }

  /// `load` from bytes in memory (UTF-8; bytes that are not are read as U+FFFD); `source`
  /// names them in errors, as the path does for a file.
  public static func load(
    bytes: [UInt8], source: String, length: Int, vocabularySize: Int?, vocabulary: Vocabulary?
  ) throws(DataError) -> (Dataset, Vocabulary) {
    guard length > 0 else { throw DataError(source, "the context length must be positive") }
    let text = clean(String(decoding: bytes, as: UTF8.self))
    guard text.count > length else {
      throw DataError(
        source,
        "has \(text.count) characters, too few for one piece of \(length) and its next character",
        help: "use a longer text or a shorter `length:`")
    }
    let vocabulary = vocabulary ?? build(text, size: vocabularySize)
    let ids = encode(text, with: vocabulary)
    let count = (ids.count - 1) / length
    var features: [Float] = []
    var labels: [Int32] = []
    features.reserveCapacity(count * length)
    labels.reserveCapacity(count * length)
    for piece in 0..<count {
      let start = piece * length
      for i in start..<start + length { features.append(Float(ids[i])) }
      labels.append(contentsOf: ids[start + 1..<start + length + 1])
    }
    var dataset = Dataset(features: features, sampleShape: [length], labels: labels)
    dataset.labelWidth = length
    dataset.isSequential = true
    return (dataset, vocabulary)
  }

  /// The text's characters, ids by the vocabulary (1 for characters it does not know).
  public static func encode(_ text: [Unicode.Scalar], with vocabulary: Vocabulary) -> [Int32] {
    var cache: [Unicode.Scalar: Int32] = [:]
    return text.map { scalar in
      if let id = cache[scalar] { return id }
      let id = vocabulary.ids[String(scalar)] ?? Vocabulary.unknown
      cache[scalar] = id
      return id
    }
  }

  /// The characters of a text without terminal escape sequences (`ESC [ 1;31 m`, as fortune
  /// files colour their text), carriage returns or other control characters but newlines and
  /// tabs: what a model should learn to write.
  public static func clean(_ text: String) -> [Unicode.Scalar] {
    var result: [Unicode.Scalar] = []
    result.reserveCapacity(text.unicodeScalars.count)
    var scalars = text.unicodeScalars.makeIterator()
    while let scalar = scalars.next() {
      if scalar == "\u{1B}" {
        // A control sequence: `[`, parameters, then one final byte in @…~.
        guard scalars.next() == "[" else { continue }
        while let next = scalars.next(), !(0x40...0x7E).contains(next.value) {}
        continue
      }
      if scalar.value < 0x20 && scalar != "\n" && scalar != "\t" { continue }
      if scalar.value == 0x7F { continue }
      result.append(scalar)
    }
    return result
  }

  /// Every character of the text, most frequent first, or the `size − 2` most frequent.
  static func build(_ text: [Unicode.Scalar], size: Int?) -> Vocabulary {
    var counts: [Unicode.Scalar: Int] = [:]
    for scalar in text { counts[scalar, default: 0] += 1 }
    let ranked = counts.sorted { ($0.value, $1.key.value) > ($1.value, $0.key.value) }
    let kept = size.map { ranked.prefix(max($0 - 2, 0)) } ?? ranked[...]
    return Vocabulary(tokens: kept.map { String($0.key) })
  }
}
