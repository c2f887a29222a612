import Foundation
import Testing

@testable import DLGData

@Suite struct CharacterDatasetTests {
  func load(_ text: String, length: Int, size: Int? = nil, vocabulary: Vocabulary? = nil) throws
    -> (Dataset, Vocabulary)
  {
    try CharacterDataset.load(
      bytes: Array(text.utf8), source: "corpus.txt", length: length, vocabularySize: size,
      vocabulary: vocabulary)
  }

  /// Each sample is `length` consecutive characters; its labels are the same characters
  /// shifted by one, so the last label of a piece is the first input of the next.
  @Test func labelsAreTheNextCharacters() throws {
    let (data, vocabulary) = try load("abcabcabca", length: 3)
    #expect(data.count == 3)
    #expect(data.sampleShape == [3])
    #expect(data.labelWidth == 3)
    let decoded = vocabulary.tokens
    func text(_ ids: some Sequence<Int32>) -> String { ids.map { decoded[Int($0) - 2] }.joined() }
    #expect(text(data.features.map { Int32($0) }) == "abcabcabc")
    #expect(text(data.labels) == "bcabcabca")
  }

  /// Chinese text is read character by character (Unicode scalars, not bytes), the terminal
  /// colour codes of fortune files are dropped, and so are carriage returns.
  @Test func readsUTF8AndDropsEscapeSequences() throws {
    let (data, vocabulary) = try load("\u{1B}[1;31m要有礼貌\u{1B}[0m\r\n要有", length: 2)
    #expect(Set(vocabulary.tokens) == ["要", "有", "礼", "貌", "\n"])
    #expect(data.count == 3)  // 7 characters: 3 pieces of 2, plus their next characters
  }

  /// The most frequent characters get the smallest ids; past the limit, characters map to
  /// the unknown id 1.
  @Test func vocabularyLimitKeepsTheMostFrequent() throws {
    let (data, vocabulary) = try load("aaaabbbcc d", length: 10, size: 4)
    #expect(vocabulary.tokens == ["a", "b"])
    #expect(data.features.map { Int32($0) } == [2, 2, 2, 2, 3, 3, 3, 1, 1, 1])
  }

  /// A second text (the test file) maps characters with the training file's ids.
  @Test func givenVocabularyIsUsed() throws {
    let (_, vocabulary) = try load("xyzxyz", length: 2)
    let (data, same) = try load("zzyy?", length: 2, vocabulary: vocabulary)
    #expect(same == vocabulary)
    #expect(
      data.features.map { Int32($0) } == [
        vocabulary.ids["z"]!, vocabulary.ids["z"]!,
        vocabulary.ids["y"]!, vocabulary.ids["y"]!,
      ])
    #expect(data.labels.last == Vocabulary.unknown)
  }

  @Test func tooShortATextIsAClearError() {
    #expect(throws: DataError.self) { try load("abc", length: 3) }
    #expect(throws: DataError.self) { try load("abcdef", length: 0) }
  }

  /// Held-out data is the end of the text, so no validation piece overlaps a training one.
  @Test func validationIsTheEndOfTheText() throws {
    let (data, _) = try load(String(repeating: "abcdefghij", count: 10), length: 5)
    #expect(data.count == 19)  // 100 characters: 19 pieces of 5 and their next characters
    let (kept, heldOut) = data.split(holdingOut: 0.1, seed: 7)
    #expect(kept.count == 17 && heldOut.count == 2)
    #expect(heldOut.labels == Array(data.labels.suffix(10)))
    #expect(kept.labels == Array(data.labels.prefix(85)))
  }

  @Test func vocabularyRoundTripsThroughJSON() throws {
    let (_, vocabulary) = try load("héllo, 世界\n\"quoted\"", length: 2)
    #expect(Vocabulary(json: vocabulary.json) == vocabulary)
    #expect(Vocabulary(json: "not json") == nil)
  }

  /// Every truncation or corruption of a UTF-8 file loads or throws; none traps.
  @Test func corruptBytesNeverTrap() {
    let bytes = Array("要有礼貌 in Debian\n".utf8)
    expectNoTrap(bytes, source: "corpus.txt") { candidate throws(DataError) in
      _ = try CharacterDataset.load(
        bytes: candidate, source: "corpus.txt", length: 4, vocabularySize: nil, vocabulary: nil)
    }
  }
}
