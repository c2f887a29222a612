import DLG
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Stopping a training run from outside: Ctrl-C (SIGINT), and SIGTERM and SIGHUP, which is how
/// Slurm, Kubernetes and systemd stop a job. The first asks the trainer to stop after the
/// current step (it then writes a checkpoint) and the process exits with 128 + the signal's
/// number, as a shell reports a killed job; a second exits at once.
enum Interrupts {
  static let count = Atomic<Int>(0)
  /// The first signal received (0 before any).
  static let signalNumber = Atomic<Int32>(0)

  static var requested: Bool { count.load(ordering: .relaxed) > 0 }

  /// The exit status for the signal that stopped the run: 130 for Ctrl-C, 143 for SIGTERM.
  static var exitStatus: Int32 {
    let number = signalNumber.load(ordering: .relaxed)
    return 128 + (number == 0 ? SIGINT : number)
  }

  static func install() {
    // A parent may hand these signals down blocked (a test runner's thread, some launchers);
    // a run that cannot be stopped cleanly loses its work, so take them back.
    var unblocked = sigset_t()
    sigemptyset(&unblocked)
    for number in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&unblocked, number) }
    pthread_sigmask(SIG_UNBLOCK, &unblocked, nil)
    for number in [SIGINT, SIGTERM, SIGHUP] {
      signal(number) { received in
        let previous = Interrupts.count.add(1, ordering: .relaxed).oldValue
        if previous > 0 {
          // Quitting now: no half-written `.NAME.tmp-PID` file is left behind.
          FileOutput.removeTemporaryFileInProgress()
          _exit(128 + received)
        }
        Interrupts.signalNumber.store(received, ordering: .relaxed)
        // Only async-signal-safe calls here: write(2) of a fixed message.
        let message =
          received == SIGINT
          ? "\nstopping after this step to write a checkpoint (Ctrl-C again to quit now)\n"
          : "\nsignal received: stopping after this step to write a checkpoint\n"
        message.withCString { _ = write(STDERR_FILENO, $0, strlen($0)) }
      }
    }
  }
}
