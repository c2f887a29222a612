import DLGFiles
import Foundation
import SwiftProtobuf

/// Reading and writing `.onnx` files: a serialized `ModelProto`, checked before anything trusts
/// it (a truncated or random file, an IR version or opset newer than dlg knows).
public enum ONNXFile {
  /// Protobuf messages cannot exceed 2 GiB; a larger file is not an ONNX model without
  /// external data, which dlg does not read.
  public static let maximumBytes = Int(Int32.max)
  /// The newest IR version and default-domain opset dlg reads (ONNX 1.23: IR 13, opset 26).
  public static let newestIRVersion: Int64 = 13
  public static let newestOpset: Int64 = 26

  /// Reads and checks a model file.
  public static func read(_ path: String) throws(ONNXError) -> ONNXModelProto {
    let url = URL(fileURLWithPath: path)
    let attributes = try? FileManager.default.attributesOfItem(atPath: path)
    guard let attributes else { throw ONNXError("\(path): no such file") }
    if let size = attributes[.size] as? Int, size > maximumBytes {
      throw ONNXError(
        "\(path): \(size) bytes is larger than any ONNX model without external data (2 GiB)")
    }
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw ONNXError("\(path): cannot read: \(error.localizedDescription)")
    }
    return try decode(data, source: path)
  }

  /// Decodes and checks a serialized model; `source` names it in messages.
  public static func decode(_ data: Data, source: String) throws(ONNXError) -> ONNXModelProto {
    guard !data.isEmpty else { throw ONNXError("\(source): the file is empty") }
    let model: ONNXModelProto
    do {
      var options = BinaryDecodingOptions()
      options.messageDepthLimit = 64
      model = try ONNXModelProto(serializedBytes: data, options: options)
    } catch {
      throw ONNXError(
        "\(source): not an ONNX model (\(describe(error)))",
        help: "ONNX models are protobuf `ModelProto` files, as torch.onnx.export writes them")
    }
    guard model.hasGraph, model.irVersion > 0 else {
      throw ONNXError(
        "\(source): not an ONNX model (no graph or no IR version)",
        help: "ONNX models are protobuf `ModelProto` files, as torch.onnx.export writes them")
    }
    guard model.irVersion <= newestIRVersion else {
      throw ONNXError.unsupported(
        "\(source): IR version \(model.irVersion) is newer than dlg reads (\(newestIRVersion))",
        help: "export with an older ONNX (torch.onnx.export(..., opset_version=17))")
    }
    if let opset = defaultOpset(of: model), opset > newestOpset {
      throw ONNXError.unsupported(
        "\(source): opset \(opset) is newer than dlg reads (\(newestOpset))",
        help: "export with an older opset (torch.onnx.export(..., opset_version=17))")
    }
    return model
  }

  /// The model's version of the default (`ai.onnx`) op set.
  public static func defaultOpset(of model: ONNXModelProto) -> Int64? {
    model.opsetImport.first { $0.domain.isEmpty || $0.domain == "ai.onnx" }?.version
  }

  /// Writes a model atomically (keeping the mode of a file it replaces).
  public static func write(_ model: ONNXModelProto, to path: String) throws(ONNXError) {
    let bytes = try encode(model)
    do {
      try FileOutput.write(bytes, to: path)
    } catch {
      throw ONNXError(error.description)
    }
  }

  /// The serialized model.
  public static func encode(_ model: ONNXModelProto) throws(ONNXError) -> [UInt8] {
    do {
      return try model.serializedBytes()
    } catch {
      throw ONNXError("cannot encode the ONNX model: \(describe(error))")
    }
  }

  private static func describe(_ error: any Error) -> String {
    switch error as? BinaryDecodingError {
    case .truncated: "the data ends in the middle of a field: truncated"
    case .malformedProtobuf: "malformed protobuf"
    case .invalidUTF8: "a string that is not UTF-8"
    case .messageDepthLimit: "messages nested too deeply"
    default: "\(error)"
    }
  }
}
