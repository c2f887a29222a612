import DLG
import DLGTestData
import Foundation
import Testing

/// A run that cannot fit in memory is refused before anything is allocated, with the
/// numbers, instead of allocating until the process is killed.
@Suite struct MemoryBudgetTests {
  @Test func anAbsurdBatchIsRefusedAtOnce() throws {
    let folder = try SyntheticData.makeFolder(train: 64, test: 16)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let text = SyntheticData.model(folder: folder).replacingOccurrences(
      of: "Dense[16, relu]", with: "Dense[4096, relu]")
    let parsed = Parser.parse(SourceFile(path: "big.dlg", text: text))
    let model = try #require(ModelLowering.lower(parsed.model).model)
    let start = ContinuousClock.now
    #expect {
      _ = try Trainer(model: model, overrides: TrainingOverrides(batchSize: 1 << 20))
    } throws: { error in
      "\(error)".contains("training at batch 1048576") && "\(error)".contains("GB")
    }
    #expect(ContinuousClock.now - start < .seconds(2))
    // The same model at a batch that fits trains as usual.
    _ = try Trainer(model: model, overrides: TrainingOverrides(batchSize: 16))
  }

  @Test func theBudgetIsNinetyPercentOfWhatIsAvailable() {
    let available = MemoryBudget.available
    #expect(available > 0)
    #expect(MemoryBudget.problem(needing: available / 2, for: "x") == nil)
    #expect(MemoryBudget.problem(needing: available, for: "x") != nil)
    #expect(MemoryBudget.problem(needing: .max, for: "x")?.contains("more than any") == true)
  }
}
