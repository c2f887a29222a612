#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes a file the way a user expects: to the path as they named it, never half-written,
/// keeping what the path was.
///
/// - A regular file (or a new one) is replaced atomically: a temporary file in the same
///   folder, flushed to disk, renamed over the old one, the folder flushed too; an existing
///   file keeps its permissions (a 0600 file stays 0600).
/// - A symbolic link is written through: its target is replaced, the link stays.
/// - A FIFO or a device (`/dev/stdout`, a named pipe) is written directly: there is nothing
///   to replace.
///
/// Temporary files are `.NAME.tmp-PID`. One left by a killed process is removed the next time
/// the same file is written; the one a write has in progress is removed by
/// `removeTemporaryFileInProgress()` from a signal handler.
public enum FileOutput {
  /// Why a file could not be written, naming it.
  public struct Failure: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ path: String, _ what: String) { description = "cannot write \(path): \(what)" }
  }

  /// The temporary file being written, as a C string (empty when none), for the signal
  /// handler: fixed storage, so reading it there allocates nothing.
  nonisolated(unsafe) private static let inProgress: UnsafeMutablePointer<CChar> = {
    let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(PATH_MAX) + 1)
    buffer.initialize(repeating: 0, count: Int(PATH_MAX) + 1)
    return buffer
  }()

  /// Removes the temporary file of a write in progress, if any. Async-signal-safe.
  public static func removeTemporaryFileInProgress() {
    if inProgress.pointee != 0 { unlink(inProgress) }
  }

  public static func write(_ bytes: [UInt8], to path: String) throws(Failure) {
    var status = stat()
    if lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFLNK {
      guard let target = resolvedLink(path) else {
        throw Failure(path, "it is a symbolic link whose target cannot be found")
      }
      return try write(bytes, to: target)
    }
    let exists = stat(path, &status) == 0
    let kind = status.st_mode & S_IFMT
    if exists, kind == S_IFIFO || kind == S_IFCHR || kind == S_IFBLK {
      return try writeDirectly(bytes, to: path)
    }
    if exists, kind == S_IFDIR { throw Failure(path, "it is a folder") }
    try replace(path, with: bytes, mode: exists ? status.st_mode & 0o7777 : nil)
  }

  /// The path a symbolic link points at, relative links taken from the link's folder.
  private static func resolvedLink(_ path: String) -> String? {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let count = readlink(path, &buffer, Int(PATH_MAX))
    guard count > 0 else { return nil }
    let target = String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    if target.hasPrefix("/") { return target }
    return folder(of: path) + "/" + target
  }

  private static func folder(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }

  private static func name(of path: String) -> String {
    path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
  }

  /// Writes every byte to a descriptor, retrying short and interrupted writes; false when the
  /// descriptor refuses them (a full disk, a closed pipe).
  public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBytes { raw in
      var offset = 0
      while offset < raw.count {
        let written = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
        if written < 0, errno == EINTR { continue }
        guard written > 0 else { return false }
        offset += written
      }
      return true
    }
  }

  private static func reason() -> String { String(cString: strerror(errno)) }

  private static func writeDirectly(_ bytes: [UInt8], to path: String) throws(Failure) {
    let fd = open(path, O_WRONLY)
    guard fd >= 0 else { throw Failure(path, reason()) }
    defer { close(fd) }
    guard writeAll(fd, bytes) else { throw Failure(path, reason()) }
  }

  private static func replace(_ path: String, with bytes: [UInt8], mode: mode_t?) throws(Failure) {
    let (directory, base) = (folder(of: path), name(of: path))
    removeStaleTemporaries(of: base, in: directory)
    let temporary = "\(directory)/.\(base).tmp-\(getpid())"
    guard temporary.utf8.count < Int(PATH_MAX) else { throw Failure(path, "the path is too long") }
    temporary.withCString { _ = strcpy(inProgress, $0) }
    defer { inProgress.pointee = 0 }
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode ?? 0o666)
    guard fd >= 0 else { throw Failure(path, reason()) }
    // The mode given to open is reduced by the umask; an existing file's is kept exactly.
    if let mode { fchmod(fd, mode) }
    guard writeAll(fd, bytes), fsync(fd) == 0 else {
      let why = reason()
      close(fd)
      unlink(temporary)
      throw Failure(path, why)
    }
    close(fd)
    // rename(2) replaces the old file in one step: readers see the old or the new, never half.
    guard rename(temporary, path) == 0 else {
      let why = reason()
      unlink(temporary)
      throw Failure(path, why)
    }
    let folderDescriptor = open(directory, O_RDONLY)
    if folderDescriptor >= 0 {
      fsync(folderDescriptor)
      close(folderDescriptor)
    }
  }

  /// `.NAME.tmp-PID` files of this name whose process is gone: what a killed run left.
  private static func removeStaleTemporaries(of base: String, in directory: String) {
    guard let handle = opendir(directory) else { return }
    defer { closedir(handle) }
    let prefix = ".\(base).tmp-"
    var stale: [String] = []
    while let entry = readdir(handle) {
      // The name is read where it lies: `entry.pointee.d_name` would copy all 256 bytes of
      // the field, past the end of a short entry at the end of readdir's buffer.
      guard let offset = MemoryLayout<dirent>.offset(of: \dirent.d_name) else { continue }
      let entryName = String(
        cString: (UnsafeRawPointer(entry) + offset).assumingMemoryBound(to: CChar.self))
      guard entryName.hasPrefix(prefix), let pid = Int32(entryName.dropFirst(prefix.count)),
        pid != getpid(), kill(pid, 0) != 0, errno == ESRCH
      else { continue }
      stale.append("\(directory)/\(entryName)")
    }
    for file in stale { unlink(file) }
  }
}
