import Foundation

/// Loads a `.dlg` file and everything it imports, depth first, refusing import cycles. The
/// blocks of imported files join the main file's (its own blocks take precedence), and every
/// source read is returned so diagnostics in any of them can be shown with their line.
///
/// Imports come from `buffers` first, then from the file system: an editor passes its unsaved
/// buffers, and a server or fuzzer that must not touch the disk passes every file there and
/// sets `readsFiles` to false.
public struct ModuleLoader {
  /// Folders searched for `import name` (the standard library), in order.
  public var libraryPaths: [String]
  /// The texts of files by path, used in place of what is on disk (or of a file that is not
  /// there). Paths are compared after removing `.` and `..` components; a relative path is
  /// relative to the working directory, as on disk.
  public var buffers: [String: String]
  /// Whether an import not in `buffers` is read from the file system. With false the loader
  /// opens no file, so untrusted text cannot import one of the machine's files.
  public var readsFiles: Bool

  /// A loader that reads imports from the file system.
  public init(libraryPaths: [String]) {
    self.init(libraryPaths: libraryPaths, buffers: [:])
  }

  /// A loader that takes imports from `buffers` first; with `readsFiles` false, only from them.
  public init(libraryPaths: [String], buffers: [String: String], readsFiles: Bool = true) {
    self.libraryPaths = libraryPaths
    self.buffers = buffers
    self.readsFiles = readsFiles
  }

  /// The standard library folders for a file: `$DLG_STDLIB`, then a `stdlib` folder beside the
  /// file or any folder above it, then one above the running executable (a source checkout).
  public static func defaultLibraryPaths(for path: String) -> [String] {
    var paths: [String] = []
    if let environment = ProcessInfo.processInfo.environment["DLG_STDLIB"] {
      paths.append(environment)
    }
    for start in [URL(fileURLWithPath: path).deletingLastPathComponent(), executableFolder()] {
      var folder = start.standardizedFileURL
      for _ in 0..<8 {
        paths.append(folder.appendingPathComponent("stdlib").path)
        let parent = folder.deletingLastPathComponent()
        if parent.path == folder.path { break }
        folder = parent
      }
    }
    return paths
  }

  private static func executableFolder() -> URL {
    URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
      .deletingLastPathComponent()
  }

  /// The result: the main file with imported blocks, every source, and every problem.
  public struct Loaded: Sendable {
    public var file: ModelFile
    public var sources: [SourceFile]
    public var diagnostics: [Diagnostic]
  }

  /// Parses `source` and loads everything it imports.
  public func load(_ source: SourceFile) -> Loaded {
    let files = Files(loader: self)
    var sources = [source]
    var diagnostics: [Diagnostic] = []
    let parsed = Parser.parse(source)
    diagnostics += parsed.diagnostics
    var file = parsed.model
    var imported: [BlockDecl] = []
    var visited = Set<String>([files.canonical(source.path)])
    resolve(
      file.imports, from: source.path, files: files, stack: [files.canonical(source.path)],
      visited: &visited, blocks: &imported, sources: &sources, diagnostics: &diagnostics)
    file.blocks += imported
    file.importedSources = sources.filter { $0.path != source.path }
    return Loaded(file: file, sources: sources, diagnostics: diagnostics)
  }

  private func resolve(
    _ imports: [ImportDecl], from importer: String, files: Files, stack: [String],
    visited: inout Set<String>, blocks: inout [BlockDecl], sources: inout [SourceFile],
    diagnostics: inout [Diagnostic]
  ) {
    for decl in imports {
      guard let path = locate(decl, from: importer, files: files) else {
        let searched =
          decl.isLibrary
          ? libraryPaths.prefix(3).map { "\($0)/\(decl.path).dlg" }.joined(separator: ", ")
          : URL(fileURLWithPath: importer).deletingLastPathComponent()
            .appendingPathComponent(decl.path).path
        diagnostics.append(
          Diagnostic(
            code: DiagnosticCode.importNotFound, "cannot find `\(decl.path)` to import",
            at: decl.range,
            help: !readsFiles
              ? "looked for \(searched) among the buffers given; this loader reads no files"
              : decl.isLibrary
                ? "looked for \(searched); set DLG_STDLIB to the stdlib folder"
                : "looked for \(searched); paths are relative to the importing file"))
        continue
      }
      let key = files.canonical(path)
      if stack.contains(key) {
        let names = (stack + [key]).map { URL(fileURLWithPath: $0).lastPathComponent }
        diagnostics.append(
          Diagnostic(
            code: DiagnosticCode.importCycle,
            "imports form a cycle: " + names.joined(separator: " → "), at: decl.range,
            help: "move the shared blocks into a file both can import"))
        continue
      }
      guard visited.insert(key).inserted else { continue }  // already loaded once
      guard let text = files.text(path) else {
        diagnostics.append(
          Diagnostic(
            code: DiagnosticCode.importNotFound, "cannot read \(path)", at: decl.range))
        continue
      }
      let source = SourceFile(path: path, text: text)
      sources.append(source)
      let parsed = Parser.parse(source)
      diagnostics += parsed.diagnostics
      resolve(
        parsed.model.imports, from: path, files: files, stack: stack + [key], visited: &visited,
        blocks: &blocks, sources: &sources, diagnostics: &diagnostics)
      blocks += parsed.model.blocks
    }
  }

  private func locate(_ decl: ImportDecl, from importer: String, files: Files) -> String? {
    if decl.isLibrary {
      return libraryPaths.map { "\($0)/\(decl.path).dlg" }.first(where: files.exists)
    }
    let candidate =
      decl.path.hasPrefix("/")
      ? decl.path
      : URL(fileURLWithPath: importer).deletingLastPathComponent()
        .appendingPathComponent(decl.path).path
    return files.exists(candidate) ? candidate : nil
  }

  /// Where the texts of one `load` come from: the buffers (keyed by standardized path, worked
  /// out once), then the disk if the loader reads files.
  private struct Files {
    let buffers: [String: String]
    let readsFiles: Bool

    init(loader: ModuleLoader) {
      buffers = Dictionary(
        loader.buffers.map { (Self.standardized($0.key), $0.value) },
        uniquingKeysWith: { first, _ in first })
      readsFiles = loader.readsFiles
    }

    static func standardized(_ path: String) -> String {
      URL(fileURLWithPath: path).standardizedFileURL.path
    }

    func exists(_ path: String) -> Bool {
      buffers[Self.standardized(path)] != nil
        || (readsFiles && FileManager.default.fileExists(atPath: path))
    }

    func text(_ path: String) -> String? {
      if let text = buffers[Self.standardized(path)] { return text }
      guard readsFiles, let data = FileManager.default.contents(atPath: path) else { return nil }
      return String(decoding: data, as: UTF8.self)
    }

    /// The path that identifies a file for cycles and repeats: symbolic links resolved when
    /// the loader reads files (a loader that reads none does not look at the disk at all).
    func canonical(_ path: String) -> String {
      let url = URL(fileURLWithPath: path).standardizedFileURL
      return readsFiles ? url.resolvingSymlinksInPath().path : url.path
    }
  }
}
