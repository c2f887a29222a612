import Foundation

/// The example models in graphs/, for the tests that run every one of them.
public enum ExampleModels {
  /// The repository's graphs/ folder.
  public static let folder = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("graphs")

  /// The `.dlg` files in it, sorted.
  public static var files: [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
      .filter { $0.hasSuffix(".dlg") }.sorted()
  }
}
