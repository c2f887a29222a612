/// How `dlg serve` listens and what it accepts: every limit keeps a bad or heavy client from
/// taking unbounded memory or time.
public struct ServerSettings: Sendable {
  /// The address to listen on: loopback unless the user opens it up.
  public var host = "127.0.0.1"
  /// The port; 0 lets the system choose one (printed when listening).
  public var port = 8080
  /// The most samples one batch runs (requests are gathered up to it).
  public var maxBatch = 64
  /// How long the first request of a batch waits for others, in milliseconds.
  public var maxWaitMilliseconds = 2.0
  /// The largest request body accepted, in bytes.
  public var maxBodyBytes = 8 << 20
  /// The most samples one request may hold.
  public var maxSamplesPerRequest = 256
  /// The most predict requests answered at once; beyond it: 503 with `Retry-After`.
  public var maxInFlight = 1024
  /// The most bytes of request bodies held at once, over all requests; a body that would
  /// pass it gets 503 with `Retry-After`. (Without it, the bound would be `maxInFlight` ×
  /// `maxBodyBytes`: 8 GiB by default.)
  public var maxBufferedBytes = 256 << 20
  /// Seconds an idle connection stays open.
  public var idleTimeoutSeconds = 60
  /// Seconds a request may take to send its body: a client slower than that is answered 408
  /// (it holds a request in flight, and shutdown waits for every request in flight). A
  /// client that sends nothing at all is closed by the idle timeout instead.
  public var bodyTimeoutSeconds = 10.0

  public init() {}
}
