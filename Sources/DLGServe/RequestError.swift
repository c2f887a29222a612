import Hummingbird

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
    case tooManySamples = "too_many_samples"
    case unsupportedMediaType = "unsupported_media_type"
    case overloaded
    case notFound = "not_found"
    case forbidden
    case methodNotAllowed = "method_not_allowed"
    case reloadFailed = "reload_failed"
    case shuttingDown = "shutting_down"
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

  /// The HTTP status of this kind of failure.
  public var status: HTTPResponse.Status {
    switch kind {
    case .badJSON, .badNPY, .wrongShape, .wrongType, .notFinite, .empty: .badRequest
    case .tooLarge: .contentTooLarge
    case .tooManySamples: .contentTooLarge
    case .unsupportedMediaType: .unsupportedMediaType
    case .overloaded, .shuttingDown: .serviceUnavailable
    case .notFound: .notFound
    case .forbidden: .forbidden
    case .methodNotAllowed: .methodNotAllowed
    case .reloadFailed: .internalServerError
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
