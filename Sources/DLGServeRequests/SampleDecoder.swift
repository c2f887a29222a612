import DLGData

/// Samples taken from one request body: `count` samples of the model's input, row-major,
/// already multiplied by the model's scale (ids as they are).
public struct Samples: Sendable, Equatable {
  public var values: [Float]
  public var count: Int
  /// How many of the top classes to report per sample (the request's `top_k`).
  public var topK: Int?

  public init(values: [Float], count: Int, topK: Int? = nil) {
    self.values = values
    self.count = count
    self.topK = topK
  }
}

/// Reads a predict request's body as samples of the served model's input, checking everything
/// a client can get wrong: the JSON itself, the shape, the type (ids for word models, text for
/// `text(...)` models), finiteness and the sample count. A failure says what was expected.
public struct SampleDecoder: Sendable {
  public let sampleShape: [Int]
  public let inputIsIDs: Bool
  public let idLimit: Int?
  public let vocabulary: Vocabulary?
  public let scale: Float
  public let maxSamples: Int
  public let classCount: Int

  public init(
    sampleShape: [Int], inputIsIDs: Bool = false, idLimit: Int? = nil,
    vocabulary: Vocabulary? = nil, scale: Float = 1, maxSamples: Int, classCount: Int
  ) {
    self.sampleShape = sampleShape
    self.inputIsIDs = inputIsIDs
    self.idLimit = idLimit
    self.vocabulary = vocabulary
    self.scale = scale
    self.maxSamples = maxSamples
    self.classCount = classCount
  }

  /// The decoder for a served model's input.

  var sampleSize: Int { sampleShape.reduce(1, *) }

  /// The most values a JSON body of `maxSamples` samples needs: each sample nested to the
  /// full input shape (the most values a sample can take: for [28, 28, 1], 1 + 28 + 784
  /// arrays and 784 numbers), plus a few for the fields around them.
  var maximumJSONValues: Int {
    // 1 + d0 + d0·d1 + … arrays, then the numbers: the running product at each depth.
    var (perSample, product) = (0, 1)
    for extent in [1] + sampleShape {
      let (next, overflow) = product.multipliedReportingOverflow(by: extent)
      let (sum, carry) = perSample.addingReportingOverflow(next)
      guard !overflow, !carry else { return .max }
      (perSample, product) = (sum, next)
    }
    // One more: a single-value sample may come wrapped in an array of its own.
    let (perRequest, overflow) = maxSamples.multipliedReportingOverflow(by: perSample + 1)
    return overflow || perRequest > Int.max - 64 ? .max : perRequest + 64
  }

  /// The input as a client should send it, for messages.
  public var expectedInput: String {
    let shape = sampleShape.map(String.init).joined(separator: "×")
    var text =
      "{\"inputs\": [sample, ...]} with 1 to \(maxSamples) samples, each \(shape) "
      + (inputIsIDs ? "integer ids" : "numbers") + " (nested or flat)"
    if inputIsIDs, let idLimit { text += " from 0 to \(idLimit - 1)" }
    if inputIsIDs, vocabulary != nil { text += ", or a string of text" }
    return text + "; or an .npy array of N×\(shape)"
  }

  /// A JSON body: `{"inputs": [...], "top_k": k}`.
  public func decodeJSON(_ bytes: [UInt8]) throws(RequestError) -> Samples {
    guard !bytes.isEmpty else {
      throw RequestError(.empty, "the request has no body", expected: expectedInput)
    }
    let document: JSONValue
    do {
      document = try JSONValue.parse(bytes, maximumValues: maximumJSONValues)
    } catch  where error.isTooLarge {
      throw RequestError(
        .tooManySamples,
        "the body holds more values than \(maxSamples) samples of \(sampleSize) can "
          + "(at most \(maximumJSONValues) numbers, strings and arrays)", expected: expectedInput)
    } catch {
      throw RequestError(
        .badJSON, "the body is not JSON: \(error.message)", expected: expectedInput)
    }
    guard case .object(let fields) = document else {
      throw RequestError(
        .badJSON, "the body is \(document.kindName), not an object", expected: expectedInput)
    }
    if let unknown = fields.first(where: { $0.key != "inputs" && $0.key != "top_k" }) {
      throw RequestError(
        .badJSON, "unknown field \"\(unknown.key)\" (known: \"inputs\", \"top_k\")",
        expected: expectedInput)
    }
    guard let inputs = document["inputs"] else {
      throw RequestError(.badJSON, "the object has no \"inputs\" field", expected: expectedInput)
    }
    guard case .array(let samples) = inputs else {
      throw RequestError(
        .wrongType, "\"inputs\" is \(inputs.kindName), not an array of samples",
        expected: expectedInput)
    }
    try checkCount(samples.count)
    var values: [Float] = []
    values.reserveCapacity(samples.count * sampleSize)
    for (index, sample) in samples.enumerated() {
      try append(sample, index: index, to: &values)
    }
    return Samples(values: values, count: samples.count, topK: try topK(document["top_k"]))
  }

  /// A binary `.npy` body: an array of N samples (or one sample without the first axis).
  public func decodeNPY(_ bytes: [UInt8]) throws(RequestError) -> Samples {
    guard !bytes.isEmpty else {
      throw RequestError(.empty, "the request has no body", expected: expectedInput)
    }
    let array: IDXArray
    do {
      array = try NPY.read(bytes: bytes, source: "the body")
    } catch {
      throw RequestError(.badNPY, error.description, expected: expectedInput)
    }
    let dimensions = array.dimensions
    let count: Int
    if dimensions == sampleShape {
      count = 1
    } else if let first = dimensions.first,
      Array(dimensions.dropFirst()) == sampleShape
        || (first > 0 && dimensions.count == 2 && dimensions[1] == sampleSize)
    {
      count = first
    } else {
      throw RequestError(
        .wrongShape,
        "the array is \(dimensions.map(String.init).joined(separator: "×"))",
        expected: expectedInput)
    }
    try checkCount(count)
    var values = array.values
    for (offset, value) in values.enumerated() {
      try check(value, sample: offset / max(sampleSize, 1), at: offset % max(sampleSize, 1))
    }
    if !inputIsIDs, scale != 1 {
      for i in values.indices { values[i] *= scale }
    }
    return Samples(values: values, count: count, topK: nil)
  }

  private func checkCount(_ count: Int) throws(RequestError) {
    guard count > 0 else {
      throw RequestError(.empty, "the request holds no samples", expected: expectedInput)
    }
    guard count <= maxSamples else {
      throw RequestError(
        .tooManySamples,
        "the request holds \(count) samples; this server takes at most \(maxSamples) per request",
        expected: expectedInput)
    }
  }

  private func topK(_ value: JSONValue?) throws(RequestError) -> Int? {
    guard let value else { return nil }
    guard case .number(let k) = value, k == k.rounded(), k >= 1, k <= Double(classCount) else {
      throw RequestError(
        .wrongType, "\"top_k\" must be an integer from 1 to \(classCount)",
        expected: "\"top_k\": 1 to \(classCount)")
    }
    return Int(k)
  }

  /// One sample: text for a model with a vocabulary, else numbers nested as the input's shape
  /// (trailing axes of 1 may be left out) or flat.
  private func append(_ sample: JSONValue, index: Int, to values: inout [Float])
    throws(RequestError)
  {
    if case .string(let text) = sample {
      guard inputIsIDs, let vocabulary, sampleShape.count == 1 else {
        throw RequestError(
          .wrongType, "sample \(index) is text, but this model takes numbers",
          expected: expectedInput)
      }
      let ids = vocabulary.encode(TextDataset.tokenize(text), length: sampleShape[0])
      values += ids.map(Float.init)
      return
    }
    // The extent at each depth, read along the first elements; every array must then match.
    var shape: [Int] = []
    var probe = sample
    while case .array(let elements) = probe {
      shape.append(elements.count)
      guard let first = elements.first else { break }
      probe = first
    }
    let squeezed = Array(sampleShape.reversed().drop { $0 == 1 }.reversed())
    guard
      shape == sampleShape || shape == squeezed || shape == [sampleSize]
        || (shape.isEmpty && sampleSize == 1)
    else {
      let given = shape.isEmpty ? "one number" : shape.map(String.init).joined(separator: "×")
      throw RequestError(.wrongShape, "sample \(index) is \(given)", expected: expectedInput)
    }
    let start = values.count
    try flatten(sample, index: index, shape: shape[...], into: &values)
    for offset in start..<values.count {
      try check(values[offset], sample: index, at: offset - start)
      if !inputIsIDs { values[offset] *= scale }
    }
  }

  /// Appends the numbers of a nested array whose extents must be `shape`.
  private func flatten(
    _ value: JSONValue, index: Int, shape: ArraySlice<Int>, into values: inout [Float]
  ) throws(RequestError) {
    switch value {
    case .number(let number) where shape.isEmpty:
      values.append(Float(number))
    case .array(let elements) where shape.first == elements.count:
      for element in elements {
        try flatten(element, index: index, shape: shape.dropFirst(), into: &values)
      }
    case .number, .array:
      throw RequestError(
        .wrongShape, "sample \(index) is ragged: its arrays differ in depth or length",
        expected: expectedInput)
    default:
      throw RequestError(
        .wrongType, "sample \(index) holds \(value.kindName); samples hold numbers",
        expected: expectedInput)
    }
  }

  /// A value is finite, and an id is a whole number the model's table holds.
  private func check(_ value: Float, sample: Int, at offset: Int) throws(RequestError) {
    guard value.isFinite else {
      throw RequestError(
        .notFinite, "sample \(sample) holds \(value) at \(offset): dlg predicts only finite values",
        expected: expectedInput)
    }
    guard inputIsIDs else { return }
    guard value == value.rounded(), value >= 0, value < Float(idLimit ?? Int(Int32.max)) else {
      let range = idLimit.map { " from 0 to \($0 - 1)" } ?? ""
      throw RequestError(
        .wrongType, "sample \(sample) holds \(value) at \(offset): ids are whole numbers\(range)",
        expected: expectedInput)
    }
  }
}
