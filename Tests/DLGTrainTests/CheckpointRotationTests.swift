import DLGTestData
import Foundation
import Testing

@testable import DLGTrain

/// `--keep N` keeps older checkpoints beside the newest; resuming falls back from a damaged
/// one to the newest that loads, and a folder resumes from its furthest checkpoint.
@Suite struct CheckpointRotationTests {
  @Test func aDamagedCheckpointFallsBackToTheNewestValidOne() throws {
    let folder = try SyntheticData.makeFolder(train: 64, test: 16)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let t = try trainer(for: SyntheticData.model(folder: folder))
    t.keepCheckpoints = 3
    let path = "\(folder)/run.ckpt"
    for step in [10, 20, 30, 40] {
      t.position = TrainingPosition(epoch: 1, batch: 1, step: step)
      try t.saveCheckpoint(to: path)
    }
    let fm = FileManager.default
    #expect(fm.fileExists(atPath: path) && fm.fileExists(atPath: "\(path).2"))
    #expect(!fm.fileExists(atPath: "\(path).3"))

    // Damage the newest: the last byte belongs to a tensor's data.
    var bytes = try #require(fm.contents(atPath: path))
    bytes[bytes.count - 1] ^= 0x10
    try bytes.write(to: URL(fileURLWithPath: path))
    let resumed = try trainer(for: SyntheticData.model(folder: folder))
    let (used, skipped) = try resumed.resumeFromNewestValid(path)
    #expect(used == "\(path).1")
    #expect(resumed.position.step == 30)
    #expect(skipped.count == 1 && skipped[0].contains("is damaged"), "\(skipped)")

    // A folder: the furthest checkpoint in it that loads.
    let again = try trainer(for: SyntheticData.model(folder: folder))
    let (best, _) = try again.resumeFromNewestValid(folder)
    #expect(best == "\(path).1" && again.position.step == 30)
  }
}
