import DLGServeRequests
import Hummingbird

/// Wraps every route: times it, counts it in the metrics, and turns every failure into a JSON
/// answer with its status (a 503 also says when to retry). Nothing a client sends reaches the
/// connection as an unhandled error.
struct ServeMiddleware: RouterMiddleware {
  typealias Context = ServeContext
  let metrics: ServerMetrics

  /// The routes, counted by name (anything else is counted as "other", so that clients
  /// cannot grow the metrics without bound), and the method each allows: a 405 says which in
  /// its `Allow` header.
  static let routes: [String: String] = [
    "/": "GET", "/diagram.svg": "GET", "/healthz": "GET", "/metrics": "GET", "/v1/model": "GET",
    "/v1/predict": "POST", "/v1/reload": "POST",
  ]

  func handle(
    _ request: Request, context: ServeContext,
    next: (Request, ServeContext) async throws -> Response
  ) async throws -> Response {
    let start = ContinuousClock.now
    let response: Response
    do {
      response = try await next(request, context)
    } catch {
      let failure =
        switch error {
        case let error as RequestError: error
        case let error as HTTPError
        where error.status == .notFound
          && Self.routes[request.uri.path] != nil:
          RequestError(.methodNotAllowed, "\(request.method) is not allowed on \(request.uri.path)")
        case let error as HTTPError: Self.requestError(error)
        default: RequestError(.badJSON, "the request could not be read: \(error)")
        }
      response = Self.response(
        for: failure, allow: failure.kind == .methodNotAllowed ? Self.routes[request.uri.path] : nil
      )
      metrics.recordError(failure.kind)
    }
    let path = request.uri.path
    let elapsed = start.duration(to: .now).components
    metrics.recordRequest(
      route: Self.routes[path] != nil ? path : "other", status: response.status.code,
      seconds: Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
    return response
  }

  /// Hummingbird's own refusals (no such route, wrong method, body too large) as ours.
  static func requestError(_ error: HTTPError) -> RequestError {
    switch error.status {
    case .notFound: RequestError(.notFound, "no such page; see GET /v1/model and POST /v1/predict")
    case .methodNotAllowed: RequestError(.methodNotAllowed, "this method is not allowed here")
    case .contentTooLarge: RequestError(.tooLarge, error.body ?? "the body is too large")
    default: RequestError(.badJSON, error.body ?? "the request could not be read")
    }
  }

  static func response(for error: RequestError, allow: String? = nil) -> Response {
    var headers: HTTPFields = [.contentType: "application/json"]
    if error.kind == .overloaded { headers[.retryAfter] = "1" }
    if let allow { headers[.allow] = allow }
    return Response(
      status: HTTPResponse.Status(code: error.statusCode), headers: headers,
      body: ResponseBody(byteBuffer: ByteBuffer(string: error.json + "\n")))
  }
}
