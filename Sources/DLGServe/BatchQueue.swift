import DLG
import DLGServeRequests
import Foundation
import Synchronization

/// Dynamic batching: requests wait here until `maxBatch` samples have gathered or the first
/// of them has waited `maxWait`, then one thread runs them as one batch on the current model
/// and answers each request with its own rows. The wait is only for company that is coming:
/// when no other request has been admitted and is still being read, the batch runs at once,
/// so a lone client pays no batching delay. Batches are padded to the next power of two (at
/// most `maxBatch`), so a handful of plans, compiled once each, serve every size.
final class BatchQueue: @unchecked Sendable {
  /// A batch's answer for one request: its rows of predictions and the model that made them.
  struct Answer: Sendable {
    var predictions: [Float]
    var model: ServedModel
  }

  private struct Job {
    var samples: Samples
    var arrived: ContinuousClock.Instant
    var continuation: CheckedContinuation<Answer, Never>
  }

  let maxBatch: Int
  let maxWait: Duration
  private let current: Mutex<ServedModel>
  private let metrics: ServerMetrics
  private let condition = NSCondition()
  private var jobs: [Job] = []
  private var queuedSamples = 0
  /// Requests admitted whose bodies are still being read and checked: the company a batch
  /// may wait for.
  private var arriving = 0
  private var stopping = false
  private var worker: Thread?
  private let finished = DispatchSemaphore(value: 0)

  init(model: ServedModel, maxBatch: Int, maxWait: Duration, metrics: ServerMetrics) {
    self.maxBatch = maxBatch
    self.maxWait = maxWait
    self.current = Mutex(model)
    self.metrics = metrics
  }

  /// The model new batches run on.
  var model: ServedModel { current.withLock { $0 } }

  /// Makes `model` the one every later batch runs on; batches under way finish on the old one.
  func swap(to model: ServedModel) {
    current.withLock { $0 = model }
  }

  /// The batch sizes plans exist for: powers of two up to `maxBatch`, and `maxBatch` itself.
  var planSizes: [Int] {
    var sizes = Array(sequence(first: 1) { $0 * 2 }.prefix { $0 < maxBatch })
    sizes.append(maxBatch)
    return sizes
  }

  /// Runs one batch of every plan size, so that no request waits for a compilation.
  func warmUp(_ model: ServedModel) {
    for size in planSizes {
      _ = run(
        Samples(values: [Float](repeating: 0, count: size * model.sampleSize), count: size),
        on: model)
    }
  }

  func start() {
    let thread = Thread { [self] in
      loop()
      finished.signal()
    }
    thread.name = "dlg-serve-batches"
    thread.stackSize = 8 << 20
    worker = thread
    thread.start()
  }

  /// Answers every queued request, then ends the batching thread.
  func stop() {
    condition.lock()
    stopping = true
    condition.broadcast()
    condition.unlock()
    if worker != nil { finished.wait() }
  }

  /// A request has been admitted: its samples will follow (`predict`) or it will fail
  /// (`withdraw`).
  func admit() {
    condition.lock()
    arriving += 1
    condition.unlock()
  }

  /// An admitted request failed before it had samples: a waiting batch stops waiting for it.
  func withdraw() {
    condition.lock()
    arriving -= 1
    condition.signal()
    condition.unlock()
  }

  /// Queues an admitted request's samples and waits for its rows.
  func predict(_ samples: Samples) async -> Answer {
    await withCheckedContinuation { continuation in
      condition.lock()
      arriving -= 1
      jobs.append(Job(samples: samples, arrived: .now, continuation: continuation))
      queuedSamples += samples.count
      condition.signal()
      condition.unlock()
    }
  }

  private func loop() {
    while true {
      condition.lock()
      while jobs.isEmpty && !stopping { condition.wait() }
      if jobs.isEmpty {
        condition.unlock()
        return
      }
      // Wait for requests on their way until the first one has waited long enough.
      let deadline = Date().addingTimeInterval(
        max(0, seconds(maxWait - jobs[0].arrived.duration(to: .now))))
      while queuedSamples < maxBatch && arriving > 0 && !stopping
        && condition.wait(until: deadline)
      {}
      var taken: [Job] = []
      var count = 0
      while let next = jobs.first, taken.isEmpty || count + next.samples.count <= maxBatch {
        taken.append(jobs.removeFirst())
        count += next.samples.count
      }
      queuedSamples -= count
      condition.unlock()
      answer(taken, count: count)
    }
  }

  private func answer(_ taken: [Job], count: Int) {
    let model = self.model
    var values: [Float] = []
    values.reserveCapacity(count * model.sampleSize)
    for job in taken { values += job.samples.values }
    let predictions = run(Samples(values: values, count: count), on: model)
    metrics.recordBatch(size: count)
    let width = model.predictor.predictionWidth
    var row = 0
    for job in taken {
      let rows = Array(predictions[row * width..<(row + job.samples.count) * width])
      row += job.samples.count
      job.continuation.resume(returning: Answer(predictions: rows, model: model))
    }
  }

  /// Predictions for `samples`, in batches of at most `maxBatch`, each padded with zeros to
  /// the next plan size.
  private func run(_ samples: Samples, on model: ServedModel) -> [Float] {
    let sampleSize = model.sampleSize
    let width = model.predictor.predictionWidth
    var result: [Float] = []
    result.reserveCapacity(samples.count * width)
    var start = 0
    while start < samples.count {
      let count = min(maxBatch, samples.count - start)
      let planSize = planSizes.first { $0 >= count } ?? maxBatch
      var features = Array(samples.values[start * sampleSize..<(start + count) * sampleSize])
      features += [Float](repeating: 0, count: (planSize - count) * sampleSize)
      let data = Dataset(
        features: features, sampleShape: model.predictor.sampleShape,
        labels: [Int32](repeating: 0, count: planSize))
      let rows = model.predictor.predictions(for: data, batchSize: planSize)
      result += rows[0..<count * width]
      start += count
    }
    return result
  }

  private func seconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) + Double(attoseconds) / 1e18
  }
}
