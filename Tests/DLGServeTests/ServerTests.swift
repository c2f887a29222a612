import DLG
import DLGServeRequests
import DLGTestData
import Foundation
import Synchronization
import Testing

@testable import DLGServe

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// A trained synthetic CNN served on a free loopback port, for the length of one test.
final class LiveServer: Sendable {
  let server: InferenceServer
  let port: Int
  let folder: String
  let weights: String
  let model: Model
  private let task: Task<Void, any Error>

  init(settings: ServerSettings = ServerSettings()) async throws {
    folder = try SyntheticData.makeFolder(train: 400, test: 100)
    let names = (0..<10).map { "\"c\($0)\"" }.joined(separator: ", ")
    let text = SyntheticData.model(folder: folder, epochs: 2) + "\n  classes   [\(names)]\n"
    let parsed = Parser.parse(SourceFile(path: "\(folder)/m.dlg", text: text))
    model = try #require(ModelLowering.lower(parsed.model).0)
    let trainer = try Trainer(model: model)
    let (train, test) = try trainer.loadData()
    _ = try trainer.train(on: train, test: test, observer: nil)
    weights = "\(folder)/w.safetensors"
    try trainer.saveWeights(to: weights)
    var settings = settings
    settings.port = 0
    server = try InferenceServer(
      model: model, weights: weights, diagramSVG: "<svg></svg>", settings: settings)
    let bound = AsyncStream<Int>.makeStream()
    task = Task { [server] in
      try await server.run { port in bound.continuation.yield(port) }
    }
    var port = 0
    for await value in bound.stream {
      port = value
      break
    }
    self.port = port
  }

  func stop() async {
    task.cancel()
    _ = try? await task.value
    try? FileManager.default.removeItem(atPath: folder)
  }

  struct Answer {
    var status: Int
    var body: String
    var headers: [String: String]
    var json: [String: Any] {
      (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }
  }

  func request(
    _ path: String, method: String = "GET", body: [UInt8]? = nil,
    type: String = "application/json", session: URLSession = .shared
  ) async throws -> Answer {
    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
    request.httpMethod = method
    request.timeoutInterval = 60
    if let body {
      request.httpBody = Data(body)
      request.setValue(type, forHTTPHeaderField: "Content-Type")
    }
    let (data, response) = try await session.data(for: request)
    let http = try #require(response as? HTTPURLResponse)
    var headers: [String: String] = [:]
    for (key, value) in http.allHeaderFields {
      headers[String(describing: key).lowercased()] = String(describing: value)
    }
    return Answer(
      status: http.statusCode, body: String(decoding: data, as: UTF8.self), headers: headers)
  }

  func predict(_ json: String, session: URLSession = .shared) async throws -> Answer {
    try await request("/v1/predict", method: "POST", body: Array(json.utf8), session: session)
  }

  /// Test samples of the synthetic data, as raw pixel values.
  func samples(_ count: Int) throws -> [[Float]] {
    let data = try IDXReader.read(path: "\(folder)/t10k-images-idx3-ubyte.gz")
    return (0..<count).map { Array(data.values[($0 * 64)..<($0 + 1) * 64]) }
  }
}

@Suite(.serialized) struct ServerTests {
  static func json(_ samples: [[Float]]) -> String {
    "{\"inputs\": ["
      + samples.map { "[" + $0.map { "\($0)" }.joined(separator: ",") + "]" }
      .joined(separator: ",") + "]}"
  }

  /// What the server answers is what `Predictor` (and so `dlg predict`) computes.
  @Test func predictionsEqualThePredictors() async throws {
    let live = try await LiveServer()
    let samples = try live.samples(5)
    let answer = try await live.predict(Self.json(samples))
    #expect(answer.status == 200, "\(answer.body)")
    let predictions = try #require(answer.json["predictions"] as? [[String: Any]])
    #expect(predictions.count == 5)
    let direct = live.server.current.predictor.predictions(
      for: Dataset(
        features: samples.flatMap { $0.map { $0 / 255 } }, sampleShape: [8, 8, 1],
        labels: [0, 0, 0, 0, 0]))
    for (row, prediction) in predictions.enumerated() {
      let probabilities = try #require(prediction["probabilities"] as? [Double])
      let expected = direct[row * 10..<(row + 1) * 10].map(Double.init)
      #expect(zip(probabilities, expected).allSatisfy { abs($0 - $1) < 1e-6 })
      let best = expected.indices.max { expected[$0] < expected[$1] }!
      #expect(prediction["class"] as? Int == best)
      #expect((prediction["top"] as? [Any])?.count == 3)
    }
    #expect(answer.json["model_version"] as? String == live.server.current.version)
    // The model names its classes (`classes [...]`): labels are the names.
    #expect(predictions[0]["label"] as? String == "c\(predictions[0]["class"] as? Int ?? -1)")
    await live.stop()
  }

  /// Concurrent requests are answered separately and correctly, sharing batches.
  @Test func concurrentRequestsShareBatches() async throws {
    var settings = ServerSettings()
    settings.maxWaitMilliseconds = 500
    settings.maxBatch = 16
    let live = try await LiveServer(settings: settings)
    let samples = try live.samples(24)
    let configuration = URLSessionConfiguration.ephemeral
    configuration.httpMaximumConnectionsPerHost = 32
    let session = URLSession(configuration: configuration)
    // One request announced but never sent keeps each batch waiting for company (up to
    // 500 ms), as a burst of clients whose bodies are still arriving would.
    live.server.queue.admit()
    let classes = try await withThrowingTaskGroup(of: (Int, Int?).self) { group in
      for (index, sample) in samples.enumerated() {
        group.addTask {
          let answer = try await live.predict(Self.json([sample]), session: session)
          let first = (answer.json["predictions"] as? [[String: Any]])?.first
          return (index, first?["class"] as? Int)
        }
      }
      var classes = [Int?](repeating: nil, count: samples.count)
      for try await (index, value) in group { classes[index] = value }
      return classes
    }
    live.server.queue.withdraw()
    let alone = try await live.predict(Self.json(samples))
    let expected = (alone.json["predictions"] as? [[String: Any]])?.map { $0["class"] as? Int }
    #expect(classes == expected)
    let metrics = try await live.request("/metrics").body
    let batches = metrics.split(separator: "\n").first { $0.hasPrefix("dlg_batch_size_count") }
    let count = Int(batches?.split(separator: " ").last ?? "") ?? 0
    // 24 single-sample requests plus one of 24 samples: far fewer batches than requests.
    #expect(count > 0 && count < 20, "\(metrics)")
    await live.stop()
  }

  /// Malformed requests get 4xx answers in JSON, and good requests go on being answered.
  @Test func badRequestsAreRefusedAndCounted() async throws {
    var settings = ServerSettings()
    settings.maxBodyBytes = 4096
    let live = try await LiveServer(settings: settings)
    let bad: [(String, Int)] = [
      ("", 400), ("{", 400), (#"{"inputs": [[1, 2]]}"#, 400), (#"{"inputs": "x"}"#, 400),
      (#"{"inputs": [["# + String(repeating: "1e40,", count: 63) + "1]]}", 400),
      (String(repeating: "[", count: 3000), 400),
      (#"{"inputs": ["# + String(repeating: "0,", count: 3000) + "0]}", 413),
    ]
    for (body, status) in bad {
      let answer = try await live.predict(body)
      #expect(answer.status == status, "\(body.prefix(40)): \(answer.body)")
      let error = answer.json["error"] as? [String: Any]
      #expect((error?["message"] as? String)?.isEmpty == false, "\(answer.body)")
    }
    #expect(try await live.request("/v1/nothing").status == 404)
    let delete = try await live.request("/v1/predict", method: "DELETE")
    #expect(delete.status == 405)
    #expect(delete.headers["allow"] == "POST", "\(delete.headers)")
    #expect(try await live.request("/metrics", method: "POST", body: []).headers["allow"] == "GET")
    let form = try await live.request(
      "/v1/predict", method: "POST", body: [1, 2, 3], type: "multipart/form-data")
    #expect(form.status == 415)
    #expect(try await live.predict(Self.json(try live.samples(1))).status == 200)
    let metrics = try await live.request("/metrics").body
    #expect(metrics.contains("dlg_request_errors_total{kind=\"wrong_shape\"} 1"), "\(metrics)")
    #expect(metrics.contains("dlg_requests_total{route=\"/v1/predict\",code=\"200\"} 1"))
    await live.stop()
  }

  @Test func modelPageHealthAndNpy() async throws {
    let live = try await LiveServer()
    let model = try await live.request("/v1/model").json
    #expect((model["input"] as? [String: Any])?["shape"] as? [Int] == [8, 8, 1])
    #expect((model["output"] as? [String: Any])?["width"] as? Int == 10)
    #expect(model["parameters"] as? Int == live.server.current.predictor.parameterCount)
    #expect(try await live.request("/healthz").status == 200)
    let page = try await live.request("/")
    #expect(page.status == 200)
    #expect(page.headers["content-type"]?.hasPrefix("text/html") == true)
    #expect(page.body.contains("<canvas"))
    #expect(try await live.request("/diagram.svg").body == "<svg></svg>")
    let samples = try live.samples(3)
    let npy = try await live.request(
      "/v1/predict", method: "POST",
      body: NPY.bytes(shape: [3, 8, 8, 1], values: samples.flatMap { $0 }),
      type: "application/x-npy")
    let json = try await live.predict(Self.json(samples))
    #expect(npy.status == 200)
    #expect(npy.body == json.body)
    await live.stop()
  }

  /// New weights on disk and a reload: the version and the answers change, atomically.
  @Test func reloadSwapsTheWeights() async throws {
    let live = try await LiveServer()
    let before = live.server.current.version
    let sample = Self.json(try live.samples(1))
    let first = try await live.predict(sample).body
    let trainer = try Trainer(model: live.model)
    try trainer.saveWeights(to: live.weights)  // untrained weights
    let reload = try await live.request("/v1/reload", method: "POST", body: [])
    #expect(reload.status == 200, "\(reload.body)")
    #expect(live.server.current.version != before)
    let second = try await live.predict(sample)
    #expect(second.body != first)
    #expect(second.json["model_version"] as? String == live.server.current.version)
    // A page in a browser on this machine cannot reload it: browsers send `Origin`.
    var fromPage = URLRequest(url: URL(string: "http://127.0.0.1:\(live.port)/v1/reload")!)
    (fromPage.httpMethod, fromPage.httpBody) = ("POST", Data())
    fromPage.setValue("http://example.com", forHTTPHeaderField: "Origin")
    let (_, refused) = try await URLSession.shared.data(for: fromPage)
    #expect((refused as? HTTPURLResponse)?.statusCode == 403)
    // A broken file keeps the weights that work.
    try Data("not safetensors".utf8).write(to: URL(fileURLWithPath: live.weights))
    let failed = try await live.request("/v1/reload", method: "POST", body: [])
    #expect(failed.status == 500)
    #expect(try await live.predict(sample).body == second.body)
    await live.stop()
  }

  /// Past the in-flight limit a request is told to come back later, not queued without end.
  @Test func overloadAnswers503WithRetryAfter() async throws {
    var settings = ServerSettings()
    settings.maxInFlight = 2
    let live = try await LiveServer(settings: settings)
    let sample = Self.json(try live.samples(1))
    // Two requests held in flight (as slow clients would hold them).
    live.server.metrics.inFlight.add(2, ordering: .relaxed)
    let refused = try await live.predict(sample)
    #expect(refused.status == 503)
    #expect(refused.headers["retry-after"] == "1")
    #expect((refused.json["error"] as? [String: Any])?["kind"] as? String == "overloaded")
    live.server.metrics.inFlight.subtract(2, ordering: .relaxed)
    #expect(try await live.predict(sample).status == 200)
    await live.stop()
  }
}

/// What a prediction means follows the loss the model was trained with.
@Suite struct OutputKindTests {
  @Test func regressionValuesAreNotSoftmaxed() throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("dlg-serve-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try "x,y\n1,0\n2,1\n3,2\n4,3\n".write(
      toFile: "\(folder)/d.csv", atomically: true, encoding: .utf8)
    let text = """
      neuralnet
        x: Input[1]
        y: Dense[1]
        x --> y
      train
        data      csv("\(folder)/d.csv", features: [x], targets: [y])
        loss      mse(y, targets)
        optimizer SGD(lr: 0.05)
        batch     4
        epochs    300
        seed      1
      """
    let model = try #require(
      ModelLowering.lower(Parser.parse(SourceFile(path: "\(folder)/r.dlg", text: text)).model).0)
    let trainer = try Trainer(model: model)
    let (train, test) = try trainer.loadData()
    _ = try trainer.train(on: train, test: test, observer: nil)
    try trainer.saveWeights(to: "\(folder)/w.safetensors")
    let predictor = try Predictor(model: model, weights: "\(folder)/w.safetensors")
    #expect(predictor.outputKind == .values)
    let values = predictor.predictions(
      for: Dataset(features: [10], sampleShape: [1], labels: [0]))
    #expect(abs(values[0] - 9) < 0.5, "\(values)")
  }
}
