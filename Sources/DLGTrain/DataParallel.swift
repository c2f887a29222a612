import DLGData
import DLGGraph
import DLGRuntime

/// Data-parallel training (docs/distributed.md): every process holds the whole model and runs
/// the same steps on its own slice of each global batch; the training step sums the gradients
/// over the processes before the update (`AverageGradientsAcrossProcesses`), so the weights
/// stay identical everywhere. These are the trainer's other points of contact with the
/// processes: slices, sums of metrics, the weights at the start, and the checks that they
/// still agree.
extension Trainer {
  /// How many processes train together (1 without a communicator).
  public var processCount: Int { communicator?.size ?? 1 }
  /// This process's rank (0 without a communicator): rank 0 writes every output.
  public var rank: Int { communicator?.rank ?? 0 }
  /// Whether this process writes checkpoints, weights and logs.
  public var writesOutputs: Bool { rank == 0 }

  /// The bytes of each gradient bucket the step sums over the processes, in the order they
  /// start (none for one process).
  public var gradientBuckets: [Int] {
    AverageGradientsAcrossProcesses.buckets(in: training.graph).map(\.bytes)
  }

  /// This process's part of a global batch: consecutive slices whose sizes differ by at most
  /// one sample (they are equal whenever the batch divides by the process count).
  func localSlice(of batch: ArraySlice<Int>) -> ArraySlice<Int> {
    let (count, processes) = (batch.count, processCount)
    guard processes > 1 else { return batch }
    let start = batch.startIndex + count * rank / processes
    let end = batch.startIndex + count * (rank + 1) / processes
    return batch[start..<end]
  }

  /// Refuses a global batch the processes cannot share equally.
  func checkBatchDivides() throws(TrainingError) {
    let processes = processCount
    guard processes > 1, config.batchSize % processes != 0 else { return }
    throw .notTrainable(
      "batch \(config.batchSize) cannot be split equally among \(processes) processes: the "
        + "file's batch is the global batch, so use a multiple of \(processes) (--batch "
        + "\(max(processes, config.batchSize / processes * processes)), say), or another "
        + "process count")
  }

  /// Sums `values` over the processes, in place (nothing to do for one process).
  func sumOverProcesses(_ values: inout [Double]) {
    guard let communicator, communicator.size > 1, !values.isEmpty else { return }
    values.withUnsafeMutableBufferPointer {
      communicator.allReduceSum($0.baseAddress!, count: $0.count)
    }
  }

  /// Checks, before anything else is exchanged, that every process trains the same model with
  /// the same settings on data of the same sizes: otherwise their steps and collectives would
  /// not line up, and they would wait for each other until the timeout.
  public func checkProcessesMatch(train: Dataset, test: Dataset?) throws(TrainingError) {
    guard let communicator, communicator.size > 1 else { return }
    func checksum(_ text: String) -> Double {
      Double(Array(text.utf8).withUnsafeBytes { Checksums.crc32($0) })
    }
    let settings = settingsFingerprint.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    let items: [(String, Double)] = [
      ("the model", checksum(graphFingerprint)),
      ("the train settings", checksum(settings.joined(separator: "\n"))),
      ("the number of training samples", Double(train.count)),
      ("the number of validation samples", Double(validationData?.count ?? -1)),
      ("the number of test samples", Double(test?.count ?? -1)),
      ("the batch", Double(config.batchSize)),
      ("the stored tensors", Double(store.entries.reduce(0) { $0 + $1.buffer.count })),
    ]
    var theirs = items.map(\.1)
    theirs.withUnsafeMutableBytes { communicator.broadcast($0, from: 0) }
    var differs = zip(items, theirs).map { $0.1 == $1 ? 0.0 : 1.0 }
    sumOverProcesses(&differs)
    guard let first = differs.firstIndex(where: { $0 > 0 }) else { return }
    throw .notTrainable(
      "the processes do not train the same thing: \(items[first].0) differs from rank 0's on "
        + "\(Int(differs[first])) of \(communicator.size) processes; every process must run "
        + "the same dlg with the same model file, flags and data")
  }

  /// Gives every process rank 0's weights, optimizer state, statistics and position: after
  /// initialization or a resume, so that all start from the same place whatever each read
  /// (a resumed process may have fallen back to an older checkpoint than rank 0).
  public func broadcastState() {
    guard let communicator, communicator.size > 1 else { return }
    var numbers: [Double] = [
      Double(position.epoch), Double(position.batch), Double(position.step), position.lossSum,
      position.correctSum, Double(position.samples), earlyStopping.best,
      Double(earlyStopping.epochsWithoutImprovement),
    ]
    numbers.withUnsafeMutableBytes { communicator.broadcast($0, from: 0) }
    position = TrainingPosition(
      epoch: Int(numbers[0]), batch: Int(numbers[1]), step: Int(numbers[2]),
      lossSum: numbers[3], correctSum: numbers[4], samples: Int(numbers[5]))
    earlyStopping = EarlyStoppingState(
      best: numbers[6], epochsWithoutImprovement: Int(numbers[7]))
    for entry in store.entries {
      communicator.broadcast(
        UnsafeMutableRawBufferPointer(start: entry.buffer.base, count: entry.buffer.count * 4),
        from: 0)
    }
  }

  /// Replaces each running statistic (batch normalization's mean and variance) by its mean
  /// over the processes: each process measured its own slices of the batches.
  func averageStatistics() {
    guard let communicator, communicator.size > 1 else { return }
    for entry in store.entries {
      guard case .statistic = training.graph[entry.id].role else { continue }
      let (pointer, count) = (entry.buffer.floats, entry.buffer.count)
      // In doubles: statistics every process holds alike (a frozen layer's) stay exactly so.
      var values = (0..<count).map { Double(pointer[$0]) }
      sumOverProcesses(&values)
      for i in 0..<count { pointer[i] = Float(values[i] / Double(communicator.size)) }
    }
  }

  /// Checks that every process holds the same weights, optimizer state and statistics (a
  /// CRC32 of each tensor against rank 0's); a difference stops training on every process
  /// with the first tensor that differs.
  public func checkProcessesAgree(when: String) throws(TrainingError) {
    guard let communicator, communicator.size > 1 else { return }
    let entries = store.entries
    var checksums = entries.map { entry in
      Checksums.crc32(
        UnsafeRawBufferPointer(start: entry.buffer.base, count: entry.buffer.count * 4))
    }
    let mine = checksums
    checksums.withUnsafeMutableBytes { communicator.broadcast($0, from: 0) }
    var differs = zip(mine, checksums).map { $0 == $1 ? 0.0 : 1.0 }
    sumOverProcesses(&differs)
    guard let first = differs.firstIndex(where: { $0 > 0 }) else { return }
    let count = differs.filter { $0 > 0 }.count
    throw .notTrainable(
      "\(when), the processes no longer hold the same model: \(entries[first].name) differs "
        + "from rank 0's on \(Int(differs[first])) of \(communicator.size) processes"
        + (count > 1 ? " (and \(count - 1) more tensors)" : "")
        + "; every process must run the same dlg, model file and data")
  }
}
