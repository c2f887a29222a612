/// Why a request gets no prediction: an HTTP status, a kind for the metrics, and a message
/// saying what was wrong and what was expected. Answered as JSON
/// `{"error": {"kind": ..., "message": ..., "expected": ...}}`.
public struct RequestError: Error, Sendable, Equatable {
  /// The kinds of failure `GET /metrics` counts apart.
  public enum Kind: String, Sendable, CaseIterable {
    case badJSON = "bad_json"
    case badNPY = "bad_npy"
    case wrongShape = "wrong_shape"
    case wrongType = "wrong_type"
    case notFinite = "not_finite"
    case empty
    case tooLarge = "too_large"
    case timeout
    case tooManySamples = "too_many_samples"
    case unsupportedMediaType = "unsupported_media_type"
    case overloaded
    case notFound = "not_found"
    case forbidden
    case methodNotAllowed = "method_not_allowed"
    case reloadFailed = "reload_failed"
  }

  public var kind: Kind
  public var message: String
  /// What the server would have accepted, when that helps (the input's shape and type).
  public var expected: String?

  public init(_ kind: Kind, _ message: String, expected: String? = nil) {
    self.kind = kind
    self.message = message
    self.expected = expected
  }

  /// The HTTP status code of this kind of failure.
  public var statusCode: Int {
    switch kind {
    case .badJSON, .badNPY, .wrongShape, .wrongType, .notFinite, .empty: 400
    case .tooLarge, .tooManySamples: 413
    case .timeout: 408
    case .unsupportedMediaType: 415
    case .overloaded: 503
    case .notFound: 404
    case .forbidden: 403
    case .methodNotAllowed: 405
    case .reloadFailed: 500
    }
  }

  /// The JSON body of the answer.
  public var json: String {
    var fields = [
      "\"kind\":\(JSONText.string(kind.rawValue))", "\"message\":\(JSONText.string(message))",
    ]
    if let expected { fields.append("\"expected\":\(JSONText.string(expected))") }
    return "{\"error\":{\(fields.joined(separator: ","))}}"
  }
}
