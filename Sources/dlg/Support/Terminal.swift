import DLG

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where output goes and whether it is a terminal (colours and progress bars only there).
enum Terminal {
  static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

  /// Writes to standard error without buffering, so progress and errors interleave correctly.
  static func error(_ text: String) {
    var text = text
    text.withUTF8 { bytes in _ = write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
  }

  static func errorLine(_ text: String) { error(text + "\n") }

  /// `rank 2: ` in the errors of a process of a data-parallel run (set once at its start), so
  /// a job's log says which process met which error.
  nonisolated(unsafe) static var rankPrefix = ""
  /// Whether this process keeps its notes to itself: every process of a data-parallel run
  /// but rank 0, which speaks for the job.
  nonisolated(unsafe) static var notesSilenced = false

  /// A line of progress or information on standard error, from the process that speaks for
  /// the job.
  static func note(_ text: String) {
    if !notesSilenced { errorLine(text) }
  }

  /// Writes to standard output, all of it; false when it cannot be written (a closed pipe, a
  /// full disk), which a command reports as a failure rather than exiting 0.
  static func output(_ text: String) -> Bool {
    FileOutput.writeAll(STDOUT_FILENO, Array(text.utf8))
  }

  /// Makes output errors failures: a closed pipe gives an error (not a SIGPIPE death), and
  /// what `print` buffered is flushed at exit, a failed flush turning the exit status to 1.
  static func guardStandardOutput() {
    signal(SIGPIPE, SIG_IGN)
    atexit {
      if fflush(nil) != 0 {
        let message = "error: cannot write to standard output\n"
        message.withCString { _ = write(STDERR_FILENO, $0, strlen($0)) }
        _exit(1)
      }
    }
  }

  /// Prints a plain `error: ...` line for problems without a source location.
  static func failure(_ message: String) {
    let prefix = standardErrorIsTerminal ? "\u{1B}[1;31merror:\u{1B}[0m " : "error: "
    errorLine(prefix + rankPrefix + message)
  }
}
