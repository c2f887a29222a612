import DLGData
import DLGServeRequests
import Testing

/// Request bodies as clients send them, right and wrong: every wrong one is a RequestError of
/// the right kind with a message, never a crash or a silently wrong sample.
@Suite struct SampleDecoderTests {
  let image = SampleDecoder(sampleShape: [2, 2, 1], scale: 0.5, maxSamples: 3, classCount: 4)
  let words = SampleDecoder(
    sampleShape: [4], inputIsIDs: true, idLimit: 10,
    vocabulary: Vocabulary(tokens: ["good", "movie", "bad"]), maxSamples: 2, classCount: 2)

  func decode(_ decoder: SampleDecoder, _ json: String) throws(RequestError) -> Samples {
    try decoder.decodeJSON(Array(json.utf8))
  }

  func kind(_ decoder: SampleDecoder, _ json: String) -> RequestError.Kind? {
    do {
      _ = try decode(decoder, json)
      return nil
    } catch {
      #expect(!error.message.isEmpty)
      #expect(error.statusCode == 400 || error.statusCode == 413)
      return error.kind
    }
  }

  @Test func nestedFlatAndSqueezedSamplesAreTheSameValues() throws {
    let nested = try decode(image, #"{"inputs": [[[[2], [4]], [[6], [8]]]]}"#)
    let flat = try decode(image, #"{"inputs": [[2, 4, 6, 8]]}"#)
    let squeezed = try decode(image, #"{"inputs": [[[2, 4], [6, 8]]], "top_k": 2}"#)
    #expect(nested.values == [1, 2, 3, 4])
    #expect(flat == nested)
    #expect(squeezed.values == nested.values)
    #expect(squeezed.topK == 2)
    let two = try decode(image, #"{"inputs": [[1, 1, 1, 1], [2, 2, 2, 2]]}"#)
    #expect(two.count == 2)
    #expect(two.values.count == 8)
  }

  @Test func wrongBodiesSayWhatIsWrong() {
    #expect(kind(image, "") == .empty)
    #expect(kind(image, "   ") == .badJSON)
    #expect(kind(image, #"{"inputs": [[1, 2, 3, 4]]"#) == .badJSON)
    #expect(kind(image, #"[1, 2, 3, 4]"#) == .badJSON)
    #expect(kind(image, #"{"input": [[1, 2, 3, 4]]}"#) == .badJSON)
    #expect(kind(image, #"{"inputs": [[1, 2, 3, 4]], "extra": 1}"#) == .badJSON)
    #expect(kind(image, #"{"inputs": []}"#) == .empty)
    #expect(kind(image, #"{"inputs": "1 2 3 4"}"#) == .wrongType)
    #expect(kind(image, #"{"inputs": [[1, 2, 3]]}"#) == .wrongShape)
    #expect(kind(image, #"{"inputs": [[[1, 2], [3]]]}"#) == .wrongShape)
    #expect(kind(image, #"{"inputs": [[[1, 2], 3, 4]]}"#) == .wrongShape)
    #expect(kind(image, #"{"inputs": [[true, 2, 3, 4]]}"#) == .wrongType)
    #expect(kind(image, #"{"inputs": [[null, 2, 3, 4]]}"#) == .wrongType)
    #expect(kind(image, #"{"inputs": ["a picture"]}"#) == .wrongType)
    #expect(kind(image, #"{"inputs": [[1e39, 2, 3, 4]]}"#) == .notFinite)
    #expect(kind(image, #"{"inputs": [[1e999, 2, 3, 4]]}"#) == .notFinite)
    #expect(
      kind(image, #"{"inputs": [[1,1,1,1],[1,1,1,1],[1,1,1,1],[1,1,1,1]]}"#) == .tooManySamples)
    // The most a request may hold, nested to the full shape, is read.
    let full = "[[[2], [4]], [[6], [8]]]"
    #expect(
      kind(image, #"{"inputs": ["# + [full, full, full].joined(separator: ",") + "]}") == nil)
    // Refused while parsing, before a tree of 200 values is built: 3 samples need far fewer.
    let numbers = #"{"inputs": [["# + String(repeating: "0,", count: 200) + "0]]}"
    #expect(kind(image, numbers) == .tooManySamples)
    #expect(kind(image, #"{"inputs": [[1, 2, 3, 4]], "top_k": 5}"#) == .wrongType)
    #expect(kind(image, #"{"inputs": [[1, 2, 3, 4]], "top_k": 1.5}"#) == .wrongType)
  }

  @Test func aMessageSaysWhatWasExpected() {
    do {
      _ = try decode(image, #"{"inputs": [[1, 2, 3]]}"#)
      Issue.record("a 3-value sample was accepted")
    } catch {
      #expect(error.message == "sample 0 is 3")
      #expect(error.expected?.contains("2×2×1") == true)
      #expect(error.json.contains("\"kind\":\"wrong_shape\""))
    }
  }

  @Test func idsMustBeWholeNumbersInTheTable() throws {
    #expect(try decode(words, #"{"inputs": [[1, 2, 9, 0]]}"#).values == [1, 2, 9, 0])
    #expect(kind(words, #"{"inputs": [[1, 2, 10, 0]]}"#) == .wrongType)
    #expect(kind(words, #"{"inputs": [[1, 2.5, 3, 0]]}"#) == .wrongType)
    #expect(kind(words, #"{"inputs": [[-1, 2, 3, 0]]}"#) == .wrongType)
  }

  @Test func textIsEncodedWithTheSavedVocabulary() throws {
    let vocabulary = try #require(words.vocabulary)
    let samples = try decode(words, #"{"inputs": ["Good movie!", "bad"]}"#)
    let expected =
      vocabulary.encode(TextDataset.tokenize("Good movie!"), length: 4)
      + vocabulary.encode(TextDataset.tokenize("bad"), length: 4)
    #expect(samples.values == expected.map(Float.init))
    #expect(kind(image, #"{"inputs": ["text"]}"#) == .wrongType)
  }

  @Test func npyBodiesAreReadAndChecked() throws {
    let body = NPY.bytes(shape: [2, 2, 2, 1], values: [2, 4, 6, 8, 1, 1, 1, 1])
    let samples = try image.decodeNPY(body)
    #expect(samples.count == 2)
    #expect(samples.values == [1, 2, 3, 4, 0.5, 0.5, 0.5, 0.5])
    #expect(try image.decodeNPY(NPY.bytes(shape: [2, 2, 1], values: [2, 2, 2, 2])).count == 1)
    #expect(try image.decodeNPY(NPY.bytes(shape: [1, 4], values: [2, 2, 2, 2])).count == 1)
    #expect(throws: RequestError.self) {
      try image.decodeNPY(NPY.bytes(shape: [1, 3], values: [2, 2, 2]))
    }
    #expect(throws: RequestError.self) {
      try image.decodeNPY(NPY.bytes(shape: [1, 4], values: [2, .nan, 2, 2]))
    }
    #expect(throws: RequestError.self) { try image.decodeNPY(Array(body.prefix(40))) }
    #expect(throws: RequestError.self) { try image.decodeNPY([0x93, 0x4E, 0x55]) }
  }
}

@Suite struct JSONValueTests {
  @Test func parsesEveryKindOfValue() throws {
    let value = try JSONValue.parse(
      Array(#" {"a": [1, -2.5e2, true, false, null], "b": "x\"\u00e9\ud83d\ude00\n"} "#.utf8))
    #expect(value["a"] == .array([.number(1), .number(-250), .bool(true), .bool(false), .null]))
    #expect(value["b"] == .string("x\"é😀\n"))
  }

  @Test func aDocumentOfTooManyValuesIsRefusedAsTooLarge() throws {
    #expect(
      try JSONValue.parse(Array("[1, 2]".utf8), maximumValues: 3)
        == .array([1, 2].map(JSONValue.number)))
    do {
      _ = try JSONValue.parse(Array("[1, 2, 3]".utf8), maximumValues: 3)
      Issue.record("a document of 4 values was accepted with a budget of 3")
    } catch {
      #expect(error.isTooLarge)
    }
  }

  @Test func refusesWhatIsNotJSONAndSaysWhere() {
    for text in [
      "{\"a\": 01}", "{\"a\": 1,}", "[1 2]", "{'a': 1}", "\"open", "tru", "[1]x", "-", "1.",
      "\"\\ud800\"", "\"\\q\"", "\"a\u{01}b\"", "{\"a\" 1}",
      // Four hex digits and nothing else: no sign, no space.
      "\"\\u+04A\"", "\"\\u-001\"", "\"\\u 04A\"", "\"\\u04G1\"",
    ] {
      #expect(throws: JSONParseError.self, "\(text)") { try JSONValue.parse(Array(text.utf8)) }
    }
    do {
      _ = try JSONValue.parse(Array("{\n  \"a\": [1, 2,, 3]\n}".utf8))
    } catch {
      #expect(error.message.hasPrefix("line 2, column 14:"), "\(error.message)")
    }
  }

  /// Numbers read by the fast path are the very doubles the text names.
  @Test func numbersAreCorrectlyRounded() throws {
    var state: UInt64 = 7
    func next() -> UInt64 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return state >> 11
    }
    var texts = ["0", "-0", "0.1", "0.3", "255", "1e-3", "12345678901234567890", "-0.000001"]
    for _ in 0..<2000 {
      let digits = String(next() % 10_000_000_000_000)
      let point = Int(next() % UInt64(digits.count + 1))
      let text =
        point == digits.count
        ? digits
        : digits.prefix(point).isEmpty
          ? "0." + digits
          : digits.prefix(point) + "."
            + digits.dropFirst(point)
      texts.append((next() % 2 == 0 ? "-" : "") + text)
    }
    for text in texts {
      let parsed = try JSONValue.parse(Array(text.utf8))
      #expect(parsed == .number(try #require(Double(text))), "\(text)")
    }
  }

  /// A body of ten thousand brackets is refused, not a stack overflow.
  @Test func deepNestingIsRefused() {
    let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
    #expect(throws: JSONParseError.self) { try JSONValue.parse(Array(deep.utf8)) }
    let fine = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
    #expect(throws: Never.self) { try JSONValue.parse(Array(fine.utf8)) }
  }
}
