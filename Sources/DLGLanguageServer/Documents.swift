import DLGLang
import DLGLowering
import Foundation

/// One open document and what dlg made of it: the same loading and lowering as `dlg check`,
/// with the editor's unsaved texts in place of the files on disk.
struct Document {
  var uri: String
  var path: String
  var version: Int
  var source: SourceFile
  /// The file with its imports resolved (blocks from imported files included).
  var file: ModelFile
  var sources: [SourceFile]
  /// The lowered model, with errors or without: for hovers only, never run.
  var model: Model?
  var diagnostics: [Diagnostic]

  init(uri: String, version: Int, text: String, buffers: [String: String]) {
    self.uri = uri
    self.path = Document.path(of: uri)
    self.version = version
    self.source = SourceFile(path: path, text: text)
    var texts = buffers
    texts[path] = text
    let loader = ModuleLoader(
      libraryPaths: ModuleLoader.defaultLibraryPaths(for: path), buffers: texts)
    let loaded = loader.load(source)
    self.file = loaded.file
    self.sources = loaded.sources
    var diagnostics = loaded.diagnostics
    if !diagnostics.contains(where: { $0.severity == .error }),
      loaded.file.network != nil || loaded.file.blocks.isEmpty
    {
      // The model even with errors: the layers that lowered keep their shapes for hovers.
      let lowered = ModelLowering.lowerKeepingErrors(loaded.file)
      model = lowered.model
      diagnostics += lowered.diagnostics
      if let model, !lowered.diagnostics.contains(where: { $0.severity == .error }) {
        diagnostics += ModelLowering.nonExecutableDiagnostics(model, severity: .warning)
      }
    }
    self.diagnostics = diagnostics
  }

  /// The file path a `file://` URI names (percent-decoded); other URIs are used as they are.
  static func path(of uri: String) -> String {
    guard uri.hasPrefix("file://"), let url = URL(string: uri) else { return uri }
    return url.standardizedFileURL.path
  }

  /// The URI of a file path, for locations in other files.
  static func uri(of path: String) -> String {
    URL(fileURLWithPath: path).standardizedFileURL.absoluteString
  }

  /// The source of a file this document read (itself, or an import).
  func sourceFile(_ path: String) -> SourceFile? {
    path == source.path ? source : sources.first { $0.path == path }
  }

  /// The LSP diagnostics of this document. Problems in an imported file are shown at the
  /// import that brought them, naming the file and line.
  var publishedDiagnostics: [[String: Any]] {
    diagnostics.map { diagnostic in
      var message = diagnostic.message
      var range = diagnostic.range
      if let elsewhere = range, elsewhere.file != source.path {
        message = "\(elsewhere.description): \(message)"
        let name = { (path: String) in
          URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        }
        range = (file.imports.first { name($0.path) == name(elsewhere.file) } ?? file.imports.first)
          .map(\.range)
      }
      if let help = diagnostic.help { message += "\nhelp: \(help)" }
      for note in diagnostic.notes { message += "\nnote: \(note)" }
      var object: [String: Any] = [
        "range": range.map(source.rangeJSON)
          ?? [
            "start": Position(line: 0, character: 0).json,
            "end": Position(line: 0, character: 0).json,
          ],
        "severity": diagnostic.severity == .error ? 1 : diagnostic.severity == .warning ? 2 : 3,
        "code": diagnostic.code, "source": "dlg", "message": message,
      ]
      if let replacement = diagnostic.replacement, range == diagnostic.range {
        object["data"] = ["replacement": replacement]
      }
      return object
    }
  }
}
