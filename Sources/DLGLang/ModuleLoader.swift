import Foundation

/// Loads a `.dlg` file and everything it imports, depth first, refusing import cycles. The
/// blocks of imported files join the main file's (its own blocks take precedence), and every
/// source read is returned so diagnostics in any of them can be shown with their line.
public struct ModuleLoader {
  /// Folders searched for `import name` (the standard library), in order.
  public var libraryPaths: [String]

  public init(libraryPaths: [String]) {
    self.libraryPaths = libraryPaths
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

  public func load(_ source: SourceFile) -> Loaded {
    var sources = [source]
    var diagnostics: [Diagnostic] = []
    let parsed = Parser.parse(source)
    diagnostics += parsed.diagnostics
    var file = parsed.model
    var imported: [BlockDecl] = []
    var visited = Set<String>([canonical(source.path)])
    resolve(
      file.imports, from: source.path, stack: [canonical(source.path)], visited: &visited,
      blocks: &imported, sources: &sources, diagnostics: &diagnostics)
    file.blocks += imported
    return Loaded(file: file, sources: sources, diagnostics: diagnostics)
  }

  private func resolve(
    _ imports: [ImportDecl], from importer: String, stack: [String], visited: inout Set<String>,
    blocks: inout [BlockDecl], sources: inout [SourceFile], diagnostics: inout [Diagnostic]
  ) {
    for decl in imports {
      guard let path = locate(decl, from: importer) else {
        let searched =
          decl.isLibrary
          ? libraryPaths.prefix(3).map { "\($0)/\(decl.path).dlg" }.joined(separator: ", ")
          : URL(fileURLWithPath: importer).deletingLastPathComponent()
            .appendingPathComponent(decl.path).path
        diagnostics.append(
          Diagnostic(
            code: DiagnosticCode.importNotFound, "cannot find `\(decl.path)` to import",
            at: decl.range,
            help: decl.isLibrary
              ? "looked for \(searched); set DLG_STDLIB to the stdlib folder"
              : "looked for \(searched); paths are relative to the importing file"))
        continue
      }
      let key = canonical(path)
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
      guard let data = FileManager.default.contents(atPath: path) else {
        diagnostics.append(
          Diagnostic(
            code: DiagnosticCode.importNotFound, "cannot read \(path)", at: decl.range))
        continue
      }
      let source = SourceFile(path: path, text: String(decoding: data, as: UTF8.self))
      sources.append(source)
      let parsed = Parser.parse(source)
      diagnostics += parsed.diagnostics
      resolve(
        parsed.model.imports, from: path, stack: stack + [key], visited: &visited,
        blocks: &blocks, sources: &sources, diagnostics: &diagnostics)
      blocks += parsed.model.blocks
    }
  }

  private func locate(_ decl: ImportDecl, from importer: String) -> String? {
    let manager = FileManager.default
    if decl.isLibrary {
      return libraryPaths.map { "\($0)/\(decl.path).dlg" }.first { manager.fileExists(atPath: $0) }
    }
    let candidate =
      decl.path.hasPrefix("/")
      ? decl.path
      : URL(fileURLWithPath: importer).deletingLastPathComponent()
        .appendingPathComponent(decl.path).path
    return manager.fileExists(atPath: candidate) ? candidate : nil
  }

  private func canonical(_ path: String) -> String {
    URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
  }
}
