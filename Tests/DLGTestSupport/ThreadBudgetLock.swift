import DLGKernels
import Foundation

/// The thread budget is one setting for the whole process, and tests run in parallel. Tests
/// that set it, or that compare results bit for bit (which depend on how work is split), run
/// their body under this lock with the budget they need; the default budget is restored after.
private let budgetLock = NSLock()

public func withThreadBudget<R>(
  _ threads: Int, deterministic: Bool = false, _ body: () throws -> R
) rethrows -> R {
  budgetLock.lock()
  defer {
    ThreadBudget.configure(threads: ThreadBudget.defaultThreads)
    budgetLock.unlock()
  }
  ThreadBudget.configure(threads: threads, deterministic: deterministic)
  return try body()
}
