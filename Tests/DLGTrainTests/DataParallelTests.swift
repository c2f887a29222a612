import DLG
import DLGTestData
import DLGTestSupport
import Foundation
import Synchronization
import Testing

/// Data-parallel training with ranks played by threads (`ThreadGroup`): the same weights as one
/// process trained on the same global batches, identical weights on every rank, and the
/// refusals. CLITests' `DistributedRunTests` do the same through `mpirun`.
@Suite(.serialized) struct DataParallelTests {
  static func makeTrainer(
    _ text: String, communicator: (any Communicator)? = nil, bucketBytes: Int = 25 << 20
  ) throws -> Trainer {
    let parsed = Parser.parse(SourceFile(path: "synthetic.dlg", text: text))
    let model = try #require(ModelLowering.lower(parsed.model).model)
    return try Trainer(model: model, communicator: communicator, bucketBytes: bucketBytes)
  }

  /// Trains one trainer per member of a group, each on its own thread.
  static func trainTogether(_ trainers: [Trainer]) throws -> [[EpochRecord]] {
    let results = Mutex<[Int: Result<[EpochRecord], any Error>]>([:])
    let threads = trainers.enumerated().map { rank, trainer in
      let trainer = Handed(trainer)
      return Thread {
        let trainer = trainer.value
        let result = Result<[EpochRecord], any Error> {
          let (train, test) = try trainer.loadData()
          return try trainer.train(on: train, test: test, observer: nil)
        }
        results.withLock { $0[rank] = result }
      }
    }
    for thread in threads { thread.start() }
    // Ranks that fall out of step wait for each other forever: fail instead.
    let deadline = Date().addingTimeInterval(300)
    while results.withLock({ $0.count }) < trainers.count {
      guard Date() < deadline else { throw TestTimeout() }
      usleep(1000)
    }
    let all = results.withLock { $0 }
    return try (0..<trainers.count).map { try all[$0]!.get() }
  }

  /// The synthetic model, with a dropout layer after the convolution when asked: each rank
  /// draws the masks of its own samples of the global batch.
  static func model(folder: String, optimizer: String, dropout: Bool) -> String {
    let text = SyntheticData.model(folder: folder, epochs: 2, optimizer: optimizer)
    guard dropout else { return text }
    return
      text
      .replacingOccurrences(
        of: "  flat:  Flatten\n", with: "  flat:  Flatten\n  drop:  Dropout[0.3]\n"
      )
      .replacingOccurrences(of: "flat --> fc", with: "flat --> drop --> fc")
  }

  /// 200 samples at batch 16 end in a batch of 8, split equally; 203 on 4 ranks end in one
  /// of 11, split 2/3/3/3, whose shares are not a quarter each.
  @Test(arguments: [
    (2, "Adam(lr: 0.01)", false, 200), (4, "SGD(lr: 0.05, momentum: 0.9)", false, 200),
    (2, "SGD(lr: 0.05, momentum: 0.9)", true, 200), (4, "SGD(lr: 0.05, momentum: 0.9)", false, 203),
  ])
  func ranksEndWithTheWeightsOfOneProcess(
    ranks: Int, optimizer: String, dropout: Bool, samples: Int
  ) throws {
    try withThreadBudget(1) {
      let folder = try SyntheticData.makeFolder(train: samples, test: 40)
      defer { try? FileManager.default.removeItem(atPath: folder) }
      let text = Self.model(folder: folder, optimizer: optimizer, dropout: dropout)
      #expect(text.contains("Dropout") == dropout)
      let single = try Self.makeTrainer(text)
      let (train, test) = try single.loadData()
      let expected = try single.train(on: train, test: test, observer: nil)

      let group = ThreadGroup(size: ranks)
      // Small buckets, so the step has several of them.
      let trainers = try group.members.map {
        try Self.makeTrainer(text, communicator: $0, bucketBytes: 256)
      }
      #expect(trainers[0].gradientBuckets.count > 2, "\(trainers[0].gradientBuckets)")
      let records = try Self.trainTogether(trainers)
      for (rank, trainer) in trainers.enumerated() {
        for (mine, theirs) in zip(trainer.store.entries, single.store.entries) {
          #expect(mine.name == theirs.name)
          for i in 0..<mine.buffer.count {
            let (a, b) = (mine.buffer.floats[i], theirs.buffer.floats[i])
            // Summing across ranks changes the order of the additions, and Adam divides by
            // the root of tiny second moments, so near zero the weights differ by up to about
            // 1e-7 (which rounding it is depends on the CPU's BLAS kernels); a wrong average
            // would move them by about the learning rate, 1e-2.
            let tolerance = 1e-5 * max(abs(b), 1e-1)
            #expect(
              abs(a - b) <= tolerance, "rank \(rank): \(mine.name)[\(i)] \(a) against \(b)")
            if abs(a - b) > tolerance { break }
          }
        }
        #expect(records[rank].count == expected.count)
        for (got, want) in zip(records[rank], expected) {
          #expect(abs(got.trainLoss - want.trainLoss) < 1e-5, "\(got) \(want)")
          #expect(abs((got.testLoss ?? 0) - (want.testLoss ?? 0)) < 1e-5)
          #expect(got.testAccuracy == want.testAccuracy)
          #expect(got.trainAccuracy == want.trainAccuracy)
        }
      }
      // Every rank ends bit-identical: the same sums were applied everywhere.
      for trainer in trainers.dropFirst() {
        for (mine, first) in zip(trainer.store.entries, trainers[0].store.entries) {
          #expect(memcmp(mine.buffer.base, first.buffer.base, mine.buffer.count * 4) == 0)
        }
      }
      // Every member started the same buckets in the same order.
      let orders = group.members.map(\.bucketsStarted)
      #expect(Set(orders.map { $0.description }).count == 1)
    }
  }

  @Test func aBatchThatDoesNotSplitIsRefused() throws {
    let folder = try SyntheticData.makeFolder(train: 40, test: 10)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let group = ThreadGroup(size: 3)
    #expect {
      try Self.makeTrainer(SyntheticData.model(folder: folder), communicator: group.members[0])
    } throws: { error in
      "\(error)".contains("batch 16 cannot be split equally among 3 processes")
    }
  }

  @Test func ranksThatDisagreeStopWithTheTensorsName() throws {
    try withThreadBudget(1) {
      let folder = try SyntheticData.makeFolder(train: 40, test: 10)
      defer { try? FileManager.default.removeItem(atPath: folder) }
      let group = ThreadGroup(size: 2)
      let text = SyntheticData.model(folder: folder, epochs: 1)
      let trainers = try group.members.map { try Self.makeTrainer(text, communicator: $0) }
      let errors = Mutex<[String]>([])
      let threads = trainers.enumerated().map { rank, trainer in
        let trainer = Handed(trainer)
        return Thread {
          let trainer = trainer.value
          if rank == 1, let weight = trainer.store.entries.first(where: { $0.name == "fc.bias" }) {
            weight.buffer.floats[3] += 1
          }
          do {
            try trainer.checkProcessesAgree(when: "after epoch 1")
            errors.withLock { $0.append("rank \(rank): agreed") }
          } catch {
            errors.withLock { $0.append("rank \(rank): \(error)") }
          }
        }
      }
      for thread in threads { thread.start() }
      let deadline = Date().addingTimeInterval(300)
      while errors.withLock({ $0.count }) < 2 {
        guard Date() < deadline else { throw TestTimeout() }
        usleep(1000)
      }
      for message in errors.withLock({ $0 }) {
        #expect(
          message.contains("after epoch 1, the processes no longer hold the same model: fc.bias"),
          "\(message)")
      }
    }
  }
}

/// A trainer handed to the one thread that uses it from then on.
private struct Handed<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}

/// Ranks played by threads did not finish together (one waits for a collective the others
/// never call).
private struct TestTimeout: Error {}
