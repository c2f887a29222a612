import DLGServeRequests
import Synchronization

/// What `GET /metrics` reports, in the Prometheus text format: requests by route and status,
/// failures by kind, request latency and batch size histograms, requests in flight, reloads.
public final class ServerMetrics: Sendable {
  /// A histogram with fixed upper bounds, as Prometheus counts them (cumulative at export).
  struct Histogram {
    let bounds: [Double]
    var counts: [Int]
    var sum = 0.0
    var total = 0

    init(bounds: [Double]) {
      self.bounds = bounds
      counts = [Int](repeating: 0, count: bounds.count)
    }

    mutating func record(_ value: Double) {
      if let bucket = bounds.firstIndex(where: { value <= $0 }) { counts[bucket] += 1 }
      sum += value
      total += 1
    }

    func lines(_ name: String) -> [String] {
      var lines: [String] = []
      var cumulative = 0
      for (bound, count) in zip(bounds, counts) {
        cumulative += count
        lines.append("\(name)_bucket{le=\"\(bound)\"} \(cumulative)")
      }
      lines.append("\(name)_bucket{le=\"+Inf\"} \(total)")
      lines.append("\(name)_sum \(sum)")
      lines.append("\(name)_count \(total)")
      return lines
    }
  }

  private struct State {
    var requests: [String: Int] = [:]
    var errors: [RequestError.Kind: Int] = [:]
    var latency = Histogram(bounds: [
      0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5,
    ])
    var batchSizes = Histogram(bounds: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024])
    var samples = 0
    var reloads = 0
    var reloadFailures = 0
  }

  private let state = Mutex(State())
  /// Requests being answered now.
  let inFlight = Atomic<Int>(0)
  /// The bytes of request bodies held now, over all requests (`maxBufferedBytes`).
  let bufferedBytes = Atomic<Int>(0)

  public init() {}

  /// One answered request: its route, status and how long it took.
  func recordRequest(route: String, status: Int, seconds: Double) {
    state.withLock {
      $0.requests["route=\"\(route)\",code=\"\(status)\"", default: 0] += 1
      if route == "/v1/predict" { $0.latency.record(seconds) }
    }
  }

  func recordError(_ kind: RequestError.Kind) {
    state.withLock { $0.errors[kind, default: 0] += 1 }
  }

  func recordBatch(size: Int) {
    state.withLock {
      $0.batchSizes.record(Double(size))
      $0.samples += size
    }
  }

  func recordReload(succeeded: Bool) {
    state.withLock {
      if succeeded { $0.reloads += 1 } else { $0.reloadFailures += 1 }
    }
  }

  /// The number of failed requests of a kind so far.
  public func errors(of kind: RequestError.Kind) -> Int {
    state.withLock { $0.errors[kind] ?? 0 }
  }

  /// The whole exposition, for `GET /metrics`.
  func text(modelVersion: String) -> String {
    let inFlight = self.inFlight.load(ordering: .relaxed)
    let buffered = bufferedBytes.load(ordering: .relaxed)
    return state.withLock { state in
      var lines = [
        "# HELP dlg_requests_total Requests answered, by route and HTTP status.",
        "# TYPE dlg_requests_total counter",
      ]
      for key in state.requests.keys.sorted() {
        lines.append("dlg_requests_total{\(key)} \(state.requests[key]!)")
      }
      lines += [
        "# HELP dlg_request_errors_total Requests refused, by kind of failure.",
        "# TYPE dlg_request_errors_total counter",
      ]
      for kind in RequestError.Kind.allCases {
        lines.append(
          "dlg_request_errors_total{kind=\"\(kind.rawValue)\"} \(state.errors[kind] ?? 0)")
      }
      lines += [
        "# HELP dlg_predict_duration_seconds Time from a predict request's arrival to its answer.",
        "# TYPE dlg_predict_duration_seconds histogram",
      ]
      lines += state.latency.lines("dlg_predict_duration_seconds")
      lines += [
        "# HELP dlg_batch_size Samples per batch the model ran.",
        "# TYPE dlg_batch_size histogram",
      ]
      lines += state.batchSizes.lines("dlg_batch_size")
      lines += [
        "# HELP dlg_samples_total Samples predicted.",
        "# TYPE dlg_samples_total counter",
        "dlg_samples_total \(state.samples)",
        "# HELP dlg_in_flight_requests Predict requests being answered now.",
        "# TYPE dlg_in_flight_requests gauge",
        "dlg_in_flight_requests \(inFlight)",
        "# HELP dlg_buffered_body_bytes Bytes of request bodies held now.",
        "# TYPE dlg_buffered_body_bytes gauge",
        "dlg_buffered_body_bytes \(buffered)",
        "# HELP dlg_reloads_total Weight reloads, by outcome.",
        "# TYPE dlg_reloads_total counter",
        "dlg_reloads_total{outcome=\"ok\"} \(state.reloads)",
        "dlg_reloads_total{outcome=\"failed\"} \(state.reloadFailures)",
        "# HELP dlg_model_info The weights being served.",
        "# TYPE dlg_model_info gauge",
        "dlg_model_info{version=\"\(modelVersion)\"} 1",
      ]
      return lines.joined(separator: "\n") + "\n"
    }
  }
}
