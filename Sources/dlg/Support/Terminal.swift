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

  /// Prints a plain `error: ...` line for problems without a source location.
  static func failure(_ message: String) {
    let prefix = standardErrorIsTerminal ? "\u{1B}[1;31merror:\u{1B}[0m " : "error: "
    errorLine(prefix + message)
  }
}
