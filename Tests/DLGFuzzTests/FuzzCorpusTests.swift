import DLGFuzzHarnesses
import Foundation
import Testing

/// Every committed fuzz input, seeds and past findings alike, runs through its harness in the
/// ordinary test suite (and under AddressSanitizer in CI): a finding fixed once stays fixed.
/// Serialized: the weights harnesses share one trainer, as a fuzzer run does.
@Suite(.serialized) struct FuzzCorpusTests {
  static let fuzzFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fuzz")

  static func files(_ kind: String, _ harness: String) -> [URL] {
    let folder = fuzzFolder.appendingPathComponent(kind).appendingPathComponent(harness)
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    return names.sorted().map { folder.appendingPathComponent($0) }
  }

  @Test(arguments: FuzzHarness.all.map(\.name))
  func seedsReachPastTheFirstCheck(_ name: String) throws {
    let harness = try #require(FuzzHarness.named(name))
    let seeds = Self.files("Corpus", name)
    #expect(!seeds.isEmpty, "Tests/Fuzz/Corpus/\(name) holds no seeds")
    let accepted = try seeds.filter { harness.run([UInt8](try Data(contentsOf: $0))) }
    #expect(!accepted.isEmpty, "no seed of \(name) is valid input: fuzzing would start blind")
  }

  @Test(arguments: FuzzHarness.all.map(\.name))
  func pastFindingsRunCleanly(_ name: String) throws {
    let harness = try #require(FuzzHarness.named(name))
    for file in Self.files("Regressions", name) {
      _ = harness.run([UInt8](try Data(contentsOf: file)))
    }
  }
}
