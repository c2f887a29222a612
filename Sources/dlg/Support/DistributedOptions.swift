import ArgumentParser
import DLG
import Foundation

/// `dlg run`'s data-parallel flags (docs/distributed.md). A run started by an MPI launcher
/// (`mpirun -np N`, `srun --mpi=pmix`) trains on all its processes without any of them.
struct DistributedOptions: ParsableArguments {
  @Flag(
    help: ArgumentHelp(
      "Start MPI even when no MPI launcher is seen (data-parallel when it gives several "
        + "processes); under mpirun or srun it is the default."))
  var distributed = false

  @Option(
    parsing: .unconditional,
    help: "Megabytes of gradients summed over the processes at once (default 25).")
  var bucketMb: Double?

  @Option(
    parsing: .unconditional,
    help: "Seconds to wait for the other processes before giving up (default 120).")
  var peerTimeout: Double?

  func validate() throws {
    if let bucketMb, !(0.001...4096).contains(bucketMb) {
      throw ValidationError("--bucket-mb must be between 0.001 and 4096")
    }
    if let peerTimeout, !(1...86400).contains(peerTimeout) {
      throw ValidationError("--peer-timeout must be between 1 and 86400 seconds")
    }
  }

  var bucketBytes: Int { Int((bucketMb ?? 25) * 1_048_576) }

  /// The processes to train with: nil when this is the only one (no launcher and no
  /// --distributed, or a launcher that started one process).
  func start() throws -> MPICommunicator? {
    guard distributed || MPICommunicator.launchedByMPI else { return nil }
    let communicator: MPICommunicator
    do {
      communicator = try MPICommunicator(timeout: peerTimeout ?? 120)
    } catch {
      Terminal.failure(error.description)
      throw ExitCode.failure
    }
    guard communicator.size > 1 else {
      communicator.finish()
      return nil
    }
    return communicator
  }
}
