import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Ctrl-C during training: the first asks the trainer to stop after the current step (it then
/// writes a checkpoint); a second one exits at once.
enum Interrupts {
  static let count = Atomic<Int>(0)

  static var requested: Bool { count.load(ordering: .relaxed) > 0 }

  static func install() {
    signal(SIGINT) { _ in
      let previous = Interrupts.count.add(1, ordering: .relaxed).oldValue
      if previous > 0 { _exit(130) }
      let message = "\nstopping after this step to write a checkpoint (Ctrl-C again to quit now)\n"
      message.withCString { _ = write(STDERR_FILENO, $0, strlen($0)) }
    }
  }
}
