import ArgumentParser
import DLGKernels
import Foundation

/// `--threads N`, shared by every command that computes: one budget for the whole process.
struct ThreadOptions: ParsableArguments {
  @Option(help: "Worker threads (default: all cores).")
  var threads: Int?

  func validate() throws {
    if let threads, threads < 1 || threads > 256 {
      throw ValidationError("--threads must be between 1 and 256")
    }
  }

  /// Sets the process's thread budget (OpenBLAS kept at one thread, see ThreadBudget).
  func apply() {
    ThreadBudget.configure(threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
  }
}
