import CRegistry

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
  /// Set while the registrations run: entries may be added only then, so every registry is
  /// complete before it is first read and never changes afterwards.
  nonisolated(unsafe) static var loading = false

  private static let loaded: Bool = {
    loading = true
    defer { loading = false }
    var entry = dlg_registry_begin()
    let end = dlg_registry_end()
    while let current = entry, current != end {
      current.pointee?()
      entry = current + 1
    }
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
    precondition(Registrations.loading, "registry entries are added by a Registration")
    entries.append(entry)
  }

  /// Every entry, in link order.
  public var all: [Entry] {
    Registrations.load()
    return entries
  }
}
