import ArgumentParser
import DLG

/// Reads and imports an `.onnx` file for the commands that accept one (predict, bench, viz),
/// reporting any problem as one clear message and a failing exit.
enum ONNXLoading {
  static func load(_ path: String) throws -> ONNXModel {
    do {
      return try ONNXModel(path: path)
    } catch {
      Terminal.failure(
        "\(path): \(error.description)".replacingOccurrences(
          of: "\(path): \(path):", with: "\(path):"))
      throw ExitCode.failure
    }
  }
}
