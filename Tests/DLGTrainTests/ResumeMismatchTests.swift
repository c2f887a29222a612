import DLGTestData
import Foundation
import Testing

@testable import DLGTrain

/// A mid-epoch checkpoint resumed on less data than it was written with: a clear error, not a
/// trap on an empty range of batches.
@Suite struct ResumeMismatchTests {
  @Test func aCheckpointPastTheDataIsRefused() throws {
    let folder = try SyntheticData.makeFolder(train: 64, test: 16)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let t = try trainer(for: SyntheticData.model(folder: folder, epochs: 2))
    let (train, test) = try t.loadData()
    // As if a checkpoint stopped after batch 40 of epoch 1 (64 samples make 4 batches).
    t.position = TrainingPosition(epoch: 1, batch: 40, step: 40)
    #expect {
      _ = try t.train(on: train, test: test, observer: nil)
    } throws: { error in
      "\(error)".contains("after batch 40 of epoch 1") && "\(error)".contains("only 4 batches")
    }
  }
}
