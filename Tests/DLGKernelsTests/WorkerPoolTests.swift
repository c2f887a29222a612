import DLGTestSupport
import Foundation
import Synchronization
import Testing

@testable import DLGKernels

/// The worker pool that runs kernel splits and graph nodes.
@Suite(.serialized) struct WorkerPoolTests {
  /// Every part runs exactly once, for part counts below, at and above the thread count.
  @Test(arguments: [1, 2, 4])
  func everyPartRunsOnce(threads: Int) {
    withThreadBudget(threads) {
      for parts in [1, 2, 3, 7, 64] {
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: parts)
        counts.initialize(repeating: 0, count: parts)
        defer { counts.deallocate() }
        for _ in 0..<50 {
          WorkerPool.shared.parallel(parts: parts) { part in counts[part] += 1 }
        }
        #expect((0..<parts).allSatisfy { counts[$0] == 50 }, "\(parts) parts")
      }
    }
  }

  /// A part may split its own work again; nothing deadlocks and every leaf runs once.
  @Test func nestedLoopsFinish() {
    withThreadBudget(2) {
      let total = Atomic<Int>(0)
      WorkerPool.shared.parallel(parts: 4) { _ in
        WorkerPool.shared.parallel(parts: 5) { _ in total.wrappingAdd(1, ordering: .relaxed) }
      }
      #expect(total.load(ordering: .relaxed) == 20)
    }
  }

  /// Several threads submitting at once (tests, or a program embedding dlg) share the pool.
  @Test func concurrentSubmittersShareThePool() {
    withThreadBudget(2) {
      let total = Atomic<Int>(0)
      DispatchQueue.concurrentPerform(iterations: 4) { _ in
        for _ in 0..<100 {
          WorkerPool.shared.parallel(parts: 3) { _ in total.wrappingAdd(1, ordering: .relaxed) }
        }
      }
      #expect(total.load(ordering: .relaxed) == 1200)
    }
  }

  /// In deterministic mode the split depends on the size only, not on the thread count.
  @Test func deterministicSplitsIgnoreTheThreadCount() {
    let splits = [1, 2, 3, 8].map { threads in
      withThreadBudget(threads, deterministic: true) {
        ThreadBudget.parts(count: 1 << 20, minimumChunk: 1024)
      }
    }
    #expect(Set(splits).count == 1)
    let usual = [1, 2].map { threads in
      withThreadBudget(threads) { ThreadBudget.parts(count: 1 << 20, minimumChunk: 1024) }
    }
    #expect(usual == [1, 2])
  }
}
