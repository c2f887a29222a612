import DLG
import DLGServeRequests
import Dispatch
import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// `dlg serve`: a trained model behind HTTP. Predict requests are checked, gathered into
/// batches (`BatchQueue`) and answered with probabilities and top classes; the page at `/`
/// shows the model's diagram and lets a person try it. SIGTERM and SIGINT stop accepting
/// connections and finish every request already accepted; SIGHUP (or `POST /v1/reload` from
/// this machine) loads the weights file again and swaps it in whole.
public final class InferenceServer: Sendable {
  public let settings: ServerSettings
  public let metrics = ServerMetrics()
  private let model: Model
  private let scale: Float?
  let queue: BatchQueue
  private let decoder: SampleDecoder
  private let diagramSVG: String?
  /// One reload at a time.
  private let reloading = Mutex(())

  /// Loads the weights into the model and compiles a plan for every batch size it will run.
  public init(
    model: Model, weights: String, scale: Float? = nil, diagramSVG: String? = nil,
    settings: ServerSettings = ServerSettings()
  ) throws(PredictionError) {
    let served = try ServedModel(model: model, weightsPath: weights, scale: scale)
    self.model = model
    self.scale = scale
    self.settings = settings
    self.diagramSVG = diagramSVG
    queue = BatchQueue(
      model: served, maxBatch: max(settings.maxBatch, 1),
      maxWait: .microseconds(Int64(max(settings.maxWaitMilliseconds, 0) * 1000)), metrics: metrics)
    decoder = SampleDecoder(model: served, maxSamples: settings.maxSamplesPerRequest)
    queue.warmUp(served)
  }

  /// The weights being served now.
  public var current: ServedModel { queue.model }

  /// Reads the weights file again; on success later batches use it, on failure the old weights
  /// stay and the error says why.
  @discardableResult
  public func reload() -> Result<ServedModel, RequestError> {
    reloading.withLock { _ in
      let path = queue.model.weightsPath
      do throws(PredictionError) {
        let fresh = try ServedModel(model: model, weightsPath: path, scale: scale)
        guard fresh.sampleSize == queue.model.sampleSize else {
          throw PredictionError("the new weights do not fit the model's input")
        }
        queue.warmUp(fresh)
        queue.swap(to: fresh)
        metrics.recordReload(succeeded: true)
        return .success(fresh)
      } catch {
        metrics.recordReload(succeeded: false)
        return .failure(
          RequestError(.reloadFailed, "kept version \(queue.model.version): \(error.description)"))
      }
    }
  }

  /// Serves until SIGTERM or SIGINT, then answers what was accepted and returns.
  /// `onListening` receives the port once the socket is bound (the chosen one for port 0).
  public func run(onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
    queue.start()
    defer { queue.stop() }
    signal(SIGHUP, SIG_IGN)
    let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
    hangup.setEventHandler { [self] in
      switch reload() {
      case .success(let fresh): Self.log("reloaded \(fresh.weightsPath): version \(fresh.version)")
      case .failure(let error): Self.log("reload failed: \(error.message)")
      }
    }
    hangup.resume()
    defer { hangup.cancel() }

    var logger = Logger(label: "dlg-serve")
    logger.logLevel = .critical
    let app = Application(
      router: router(),
      server: .http1(
        configuration: .init(idleTimeout: .seconds(Int64(max(settings.idleTimeoutSeconds, 1))))),
      configuration: .init(
        address: .hostname(settings.host, port: settings.port), serverName: "dlg"),
      onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
      logger: logger)
    try await app.runService()
  }

  static func log(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
  }

  private func router() -> Router<ServeContext> {
    let router = Router(context: ServeContext.self)
    router.middlewares.add(ServeMiddleware(metrics: metrics))
    router.get("/") { _, _ in
      Self.answer(ServePage.html, type: "text/html; charset=utf-8")
    }
    router.get("/diagram.svg") { [diagramSVG] _, _ in
      guard let diagramSVG else { throw RequestError(.notFound, "this server has no diagram") }
      return Self.answer(diagramSVG, type: "image/svg+xml")
    }
    router.get("/healthz") { [queue] _, _ in
      Self.answer("{\"status\":\"ok\",\"model_version\":\"\(queue.model.version)\"}\n")
    }
    router.get("/metrics") { [metrics, queue] _, _ in
      Self.answer(
        metrics.text(modelVersion: queue.model.version), type: "text/plain; version=0.0.4")
    }
    router.get("/v1/model") { [self] _, _ in
      Self.answer(ModelDescription.json(of: queue.model, settings: settings, decoder: decoder))
    }
    router.post("/v1/predict") { [self] request, _ in try await predict(request) }
    router.post("/v1/reload") { [self] request, context in
      guard context.isLoopback else {
        throw RequestError(.forbidden, "reloading is allowed from this machine only")
      }
      // A browser sends `Origin` with every cross-site POST: a page from anywhere, open in a
      // browser on this machine, would otherwise pass the loopback check.
      guard request.headers[.origin] == nil else {
        throw RequestError(.forbidden, "reloading is not allowed from a web page")
      }
      switch reload() {
      case .success(let fresh):
        return Self.answer("{\"reloaded\":true,\"model_version\":\"\(fresh.version)\"}\n")
      case .failure(let error): throw error
      }
    }
    return router
  }

  private func predict(_ request: Request) async throws -> Response {
    let admitted = metrics.inFlight.wrappingAdd(1, ordering: .relaxed).newValue
    defer { metrics.inFlight.wrappingSubtract(1, ordering: .relaxed) }
    guard admitted <= settings.maxInFlight else {
      throw RequestError(
        .overloaded, "the server is answering \(settings.maxInFlight) requests; try again")
    }
    queue.admit()
    let samples: Samples
    do {
      samples = try await self.samples(of: request)
    } catch {
      queue.withdraw()
      throw error
    }
    let answer = await queue.predict(samples)
    return Self.answer(
      PredictionAnswer.json(answer.predictions, model: answer.model, topK: samples.topK))
  }

  /// A request's samples: JSON or `.npy`, as its type or its first bytes say.
  private func samples(of request: Request) async throws -> Samples {
    var reserved = 0
    defer { metrics.bufferedBytes.wrappingSubtract(reserved, ordering: .relaxed) }
    let bytes = try await body(of: request, reserved: &reserved)
    let type = request.headers[.contentType]?.lowercased() ?? ""
    if type.hasPrefix("application/x-npy") || type.hasPrefix("application/octet-stream")
      || bytes.starts(with: NPY.magic)
    {
      return try decoder.decodeNPY(bytes)
    } else if type.isEmpty || type.hasPrefix("application/json") || type.hasPrefix("text/plain")
      || Self.looksLikeJSON(bytes)
    {
      // curl -d sends any body as a form; one that starts as a JSON object is read as JSON.
      return try decoder.decodeJSON(bytes)
    } else {
      throw RequestError(
        .unsupportedMediaType,
        "cannot read a body of type \(type): send application/json or application/x-npy",
        expected: decoder.expectedInput)
    }
  }

  /// The body, refused as soon as it passes the limit (by its declared length, or while it
  /// arrives), or when the bodies of all requests together would pass theirs (503: the
  /// client may come back). `reserved` counts the bytes taken from that budget, which the
  /// caller gives back when it is done with them.
  private func body(of request: Request, reserved: inout Int) async throws -> [UInt8] {
    let limit = settings.maxBodyBytes
    let tooLarge = RequestError(
      .tooLarge, "the body is larger than this server's limit of \(limit) bytes")
    if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
      throw tooLarge
    }
    // A limit that is not a positive finite number of seconds (a library's `.infinity`)
    // means no deadline.
    let timeout = settings.bodyTimeoutSeconds
    let deadline =
      timeout.isFinite && timeout > 0 ? ContinuousClock.now + .seconds(min(timeout, 1e9)) : nil
    var bytes: [UInt8] = []
    for try await var chunk in request.body {
      guard bytes.count + chunk.readableBytes <= limit else { throw tooLarge }
      let size = chunk.readableBytes
      // A body the budget could never hold is too large, not a reason to come back later.
      guard bytes.count + size <= settings.maxBufferedBytes else { throw tooLarge }
      reserved += size
      guard
        metrics.bufferedBytes.wrappingAdd(size, ordering: .relaxed).newValue
          <= settings.maxBufferedBytes
      else {
        throw RequestError(
          .overloaded, "the server holds as many request bodies as it may; try again")
      }
      bytes += chunk.readBytes(length: size) ?? []
      guard deadline.map({ ContinuousClock.now <= $0 }) ?? true else {
        throw RequestError(
          .timeout,
          "the body took longer than \(settings.bodyTimeoutSeconds) s to arrive; send it "
            + "at once")
      }
    }
    return bytes
  }

  /// True when a body's first non-space byte opens a JSON object.
  static func looksLikeJSON(_ bytes: [UInt8]) -> Bool {
    bytes.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) } == UInt8(ascii: "{")
  }

  static func answer(_ text: String, type: String = "application/json") -> Response {
    Response(
      status: .ok, headers: [.contentType: type, .cacheControl: "no-store"],
      body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
  }
}
