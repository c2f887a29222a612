import ArgumentParser
import DLG
import DLGServe
import Dispatch
import Foundation
import Synchronization

/// `dlg serve FILE --weights W`: the model behind HTTP, with a page to try it.
struct ServeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Serve a trained model over HTTP: predictions as JSON, metrics, a page to try it.",
    discussion: """
      Routes: POST /v1/predict ({"inputs": [sample, ...]} as JSON, or an .npy body), \
      GET /v1/model, GET /healthz, GET /metrics (Prometheus), GET / (the page), \
      POST /v1/reload (from this machine only).
      Requests arriving together are run as one batch (up to --max-batch samples, waiting at \
      most --max-wait-ms for company). SIGTERM or Ctrl-C stops accepting and answers every \
      request already accepted; SIGHUP loads the weights file again.

      Examples:
        dlg serve graphs/fashion_mnist.dlg --weights out/fashion_mnist.safetensors
        curl -s localhost:8080/v1/predict -H 'Content-Type: application/x-npy' \
          --data-binary @images.npy
      """)

  @ArgumentParser.Argument(help: "The .dlg model.")
  var file: String

  @Option(help: "Weights written by `dlg run --save` (safetensors).")
  var weights: String

  @Option(help: "The address to listen on (127.0.0.1: this machine only; 0.0.0.0: every network).")
  var host = "127.0.0.1"

  @Option(parsing: .unconditional, help: "The port to listen on (0: any free one, printed).")
  var port = 8080

  @Option(parsing: .unconditional, help: "The most samples one batch runs.")
  var maxBatch = 64

  @Option(
    name: .customLong("max-wait-ms"), parsing: .unconditional,
    help: "How long a request waits for others to share its batch, in milliseconds.")
  var maxWaitMilliseconds = 2.0

  @Option(
    name: .customLong("max-body-mb"), parsing: .unconditional,
    help: "The largest request body accepted, in MiB.")
  var maxBodyMegabytes = 8.0

  @Option(parsing: .unconditional, help: "The most samples one request may hold.")
  var maxSamples = 256

  @Option(
    parsing: .unconditional,
    help: "The most predict requests answered at once; more get 503 with Retry-After.")
  var maxInFlight = 1024

  @Option(
    name: .customLong("max-buffered-mb"), parsing: .unconditional,
    help: "The most MiB of request bodies held at once, over all requests; more get 503.")
  var maxBufferedMegabytes = 256.0

  @Option(
    name: .customLong("body-timeout-s"), parsing: .unconditional,
    help: "Seconds a request may take to send its body; slower ones get 408.")
  var bodyTimeoutSeconds = 10.0

  @Option(
    parsing: .unconditional,
    help: "Multiply inputs by this (default: the scale of the file's training data).")
  var scale: Float?

  @OptionGroup var threading: ThreadOptions

  func validate() throws {
    guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
    guard (1...4096).contains(maxBatch) else {
      throw ValidationError("--max-batch must be 1 to 4096")
    }
    guard maxWaitMilliseconds.isFinite, (0...10_000).contains(maxWaitMilliseconds) else {
      throw ValidationError("--max-wait-ms must be 0 to 10000")
    }
    guard maxBodyMegabytes.isFinite, maxBodyMegabytes > 0, maxBodyMegabytes <= 1024 else {
      throw ValidationError("--max-body-mb must be above 0 and at most 1024")
    }
    guard (1...65536).contains(maxSamples) else {
      throw ValidationError("--max-samples must be 1 to 65536")
    }
    guard (1...1_000_000).contains(maxInFlight) else {
      throw ValidationError("--max-in-flight must be 1 to 1000000")
    }
    guard maxBufferedMegabytes.isFinite, maxBufferedMegabytes > 0, maxBufferedMegabytes <= 65536
    else {
      throw ValidationError("--max-buffered-mb must be above 0 and at most 65536")
    }
    guard maxBufferedMegabytes >= maxBodyMegabytes else {
      throw ValidationError(
        "--max-buffered-mb (\(maxBufferedMegabytes)) must be at least --max-body-mb "
          + "(\(maxBodyMegabytes)): a body as large as allowed must fit")
    }
    guard bodyTimeoutSeconds.isFinite, bodyTimeoutSeconds > 0, bodyTimeoutSeconds <= 3600 else {
      throw ValidationError("--body-timeout-s must be above 0 and at most 3600")
    }
    if let scale, !scale.isFinite { throw ValidationError("--scale must be a finite number") }
  }

  func run() throws {
    threading.apply()
    let model = try ModelLoading.load(file)
    try ModelLoading.requireExecutable(model)
    var settings = ServerSettings()
    settings.host = host
    settings.port = port
    settings.maxBatch = maxBatch
    settings.maxWaitMilliseconds = maxWaitMilliseconds
    settings.maxBodyBytes = Int(maxBodyMegabytes * 1_048_576)
    settings.maxSamplesPerRequest = maxSamples
    settings.maxInFlight = maxInFlight
    settings.bodyTimeoutSeconds = bodyTimeoutSeconds
    settings.maxBufferedBytes = Int(maxBufferedMegabytes * 1_048_576)
    let server: InferenceServer
    do {
      server = try InferenceServer(
        model: model, weights: weights, scale: scale, diagramSVG: diagram(of: model),
        settings: settings)
    } catch {
      Terminal.failure(error.description)
      throw ExitCode.failure
    }
    let served = server.current
    let failure = Mutex<String?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task { [host] in
      do {
        try await server.run { port in
          let shown = host.contains(":") ? "[\(host)]" : host
          _ = Terminal.output(
            "serving \(served.name) (weights \(served.version)) on http://\(shown):\(port)/"
              + " — Ctrl-C to stop\n")
        }
      } catch {
        failure.withLock { $0 = "cannot serve on \(host):\(port): \(error)" }
      }
      done.signal()
    }
    done.wait()
    if let message = failure.withLock({ $0 }) {
      Terminal.failure(message)
      throw ExitCode.failure
    }
    Terminal.errorLine("stopped; every accepted request was answered")
  }

  /// The model's picture for the page, when Graphviz can draw it.
  private func diagram(of model: Model) -> String? {
    let diagram = ModelDiagram.diagram(for: model)
    guard diagram.sizeProblem == nil,
      let bytes = try? GraphvizRenderer.render(dot: DOTWriter.dot(for: diagram), format: .svg)
    else { return nil }
    return String(decoding: bytes, as: UTF8.self)
  }
}
