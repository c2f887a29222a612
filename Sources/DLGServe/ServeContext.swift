import Hummingbird
import NIOCore

/// The request context of `dlg serve`: Hummingbird's basic one plus the client's address,
/// which decides whether `POST /v1/reload` is allowed (loopback only).
struct ServeContext: RequestContext {
  var coreContext: CoreRequestContextStorage
  let remoteAddress: SocketAddress?

  init(source: ApplicationRequestContextSource) {
    coreContext = .init(source: source)
    remoteAddress = source.channel.remoteAddress
  }

  /// True when the client is on this machine (127.0.0.0/8 or ::1).
  var isLoopback: Bool {
    guard let address = remoteAddress?.ipAddress else { return false }
    return address.hasPrefix("127.") || address == "::1" || address.hasPrefix("::ffff:127.")
  }
}
