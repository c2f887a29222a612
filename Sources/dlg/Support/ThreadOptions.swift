import ArgumentParser
import DLGKernels
import Foundation

/// `--threads N` and `--deterministic`, shared by every command that computes: one budget for
/// the whole process.
struct ThreadOptions: ParsableArguments {
  @Option(
    parsing: .unconditional, help: "Threads that run kernels and graph nodes (default: all cores).")
  var threads: Int?

  @Flag(
    help: ArgumentHelp(
      "Split work the same way whatever --threads is, so a seed gives bit-identical results.",
      discussion: "Without it, results are reproducible for one thread count only."))
  var deterministic = false

  func validate() throws {
    if let threads, threads < 1 || threads > 256 {
      throw ValidationError("--threads must be between 1 and 256")
    }
  }

  /// Sets the process's thread budget (OpenBLAS kept at one thread, see ThreadBudget). By
  /// default a process takes the cores it may run on, shared with the other processes of its
  /// job on the same machine.
  func apply(processesOnThisMachine: Int = 1) {
    let cores = ProcessInfo.processInfo.activeProcessorCount
    ThreadBudget.configure(
      threads: threads ?? max(1, cores / max(processesOnThisMachine, 1)),
      deterministic: deterministic)
  }
}
