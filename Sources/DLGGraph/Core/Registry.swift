import CRegistry
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A function that adds one file's entries to the registries (`OpRegistry`, the layer catalog,
/// activations, kernels). Each file that defines such entries places one in the program's
/// `dlg_registry` section:
///
/// ```swift
/// @used @section("dlg_registry")
/// private let registration: Registration = { OpRegistry.register(Conv2D.self) }
/// ```
///
/// so adding an op, a layer or an activation touches its own file and no hand-kept list. The
/// linker gathers the pointers of every module linked into the program; `Registrations.load()`
/// calls each once, before the first lookup of any registry.
public typealias Registration = @convention(c) () -> Void

/// Runs the registrations of every module linked into the program, once.
public enum Registrations {
  /// The thread running the registrations while they run (0 otherwise): entries may be added
  /// only by it, then, so every registry is complete before it is first read and never
  /// changes afterwards. Atomic, since any thread may ask while one loads.
  private static let loadingThread = Atomic<UInt>(0)

  /// True on the thread that is running the registrations.
  static var isLoadingHere: Bool {
    loadingThread.load(ordering: .acquiring) == UInt(pthread_self())
  }

  private static let loaded: Bool = {
    loadingThread.store(UInt(pthread_self()), ordering: .releasing)
    defer { loadingThread.store(0, ordering: .releasing) }
    var entry = dlg_registry_begin()
    let end = dlg_registry_end()
    var count = 0
    while let current = entry, current != end {
      current.pointee?()
      entry = current + 1
      count += 1
    }
    // DLGGraph alone registers dozens of ops: none means the linker dropped the section (a
    // platform or a link mode this mechanism does not cover), and every lookup would fail.
    precondition(count > 0, "no registrations were linked in: the dlg_registry section is empty")
    return true
  }()

  /// Makes sure every registration has run (thread-safe: a static initializer runs once).
  public static func load() { _ = loaded }
}

/// Entries of one kind gathered from the registrations: filled once while they run, read-only
/// afterwards, so lookups need no lock.
public final class RegistryTable<Entry>: @unchecked Sendable {
  private var entries: [Entry] = []

  public init() {}

  /// Adds an entry; valid only inside a `Registration`.
  public func add(_ entry: Entry) {
    precondition(Registrations.isLoadingHere, "registry entries are added by a Registration")
    entries.append(entry)
  }

  /// Every entry, in link order.
  public var all: [Entry] {
    // A registration that reads a registry would wait for the registrations to finish, which
    // wait for it: say so instead of hanging.
    precondition(!Registrations.isLoadingHere, "a Registration may add entries, not read them")
    Registrations.load()
    return entries
  }
}
