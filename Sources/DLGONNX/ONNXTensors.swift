import Foundation

/// A tensor's data read out of a `TensorProto` (an initializer, a `Constant`, a test's
/// reference output): its dimensions and its elements as floats, or as integers for integer
/// types (shapes, axes, indices).
public struct ONNXTensorData: Sendable, Equatable {
  public enum ElementKind: Sendable, Equatable { case float, integer, boolean }

  public var dimensions: [Int]
  public var kind: ElementKind
  /// The elements as floats (integers and booleans converted too).
  public var floats: [Float]
  /// The elements as integers (only for integer and boolean tensors).
  public var integers: [Int64]

  public init(dimensions: [Int], floats: [Float]) {
    self.dimensions = dimensions
    kind = .float
    self.floats = floats
    integers = []
  }

  public init(dimensions: [Int], integers: [Int64], kind: ElementKind = .integer) {
    self.dimensions = dimensions
    self.kind = kind
    self.integers = integers
    floats = integers.map { Float($0) }
  }

  public var count: Int { floats.count }
}

/// Conversions between `TensorProto` and plain arrays, every size checked before it is
/// trusted: dimensions that are negative or whose product overflows, data shorter or longer
/// than the dimensions say, types dlg does not compute in.
public enum ONNXTensors {
  /// The most elements one tensor may hold (1 G floats, 4 GiB): larger is a corrupt file.
  public static let maximumElements = 1 << 30

  /// The name of an ONNX element type (`FLOAT16`), for messages.
  static func typeName(_ code: Int32) -> String {
    ONNXTensorProto.DataType(rawValue: Int(code)).map { "\($0)".uppercased() } ?? "type \(code)"
  }

  /// Checked element count of ONNX dimensions.
  public static func elementCount(_ dims: [Int64], what: String) throws(ONNXError) -> Int {
    var count = 1
    for dim in dims {
      guard dim >= 0 else { throw ONNXError("\(what) has a negative dimension (\(dims))") }
      let (product, overflow) = count.multipliedReportingOverflow(by: Int(dim))
      guard !overflow, product <= maximumElements else {
        throw ONNXError(
          "\(what) has dimensions \(dims): more than \(maximumElements) elements",
          help: "the file is corrupt, or holds a tensor no CPU model uses")
      }
      count = product
    }
    return count
  }

  /// Reads a tensor's data.
  public static func read(_ tensor: ONNXTensorProto, what: String) throws(ONNXError)
    -> ONNXTensorData
  {
    let name = tensor.name.isEmpty ? what : "\(what) `\(tensor.name)`"
    guard tensor.dataLocation != .external, tensor.externalData.isEmpty else {
      throw ONNXError.unsupported(
        "\(name) keeps its data in an external file, which dlg does not read",
        help:
          "save the model with its weights inside (onnx.save(model, path, save_as_external_data=False))"
      )
    }
    guard tensor.dims.count <= 16 else {
      throw ONNXError("\(name) has \(tensor.dims.count) dimensions")
    }
    let count = try elementCount(tensor.dims, what: name)
    let dims = tensor.dims.map { Int($0) }
    let raw = tensor.rawData
    func fromRaw<T>(_: T.Type, width: Int) throws(ONNXError) -> [T]? {
      guard tensor.hasRawData else { return nil }
      guard raw.count == count * width else {
        throw ONNXError(
          "\(name) has \(raw.count) bytes of data, but its dimensions \(dims) need \(count * width)"
        )
      }
      return raw.withUnsafeBytes { bytes in
        (0..<count).map { bytes.loadUnaligned(fromByteOffset: $0 * width, as: T.self) }
      }
    }
    func checked<T>(_ values: [T]) throws(ONNXError) -> [T] {
      guard values.count == count else {
        throw ONNXError(
          "\(name) has \(values.count) elements, but its dimensions \(dims) need \(count)")
      }
      return values
    }
    switch ONNXTensorProto.DataType(rawValue: Int(tensor.dataType)) {
    case .float:
      let raw = try fromRaw(Float.self, width: 4)
      let values = if let raw { raw } else { try checked(tensor.floatData) }
      return ONNXTensorData(dimensions: dims, floats: values)
    case .double:
      let raw = try fromRaw(Double.self, width: 8)
      let values = if let raw { raw } else { try checked(tensor.doubleData) }
      return ONNXTensorData(dimensions: dims, floats: values.map { Float($0) })
    case .int64:
      let raw = try fromRaw(Int64.self, width: 8)
      let values = if let raw { raw } else { try checked(tensor.int64Data) }
      return ONNXTensorData(dimensions: dims, integers: values)
    case .int32, .int16, .int8, .uint16, .uint8, .bool:
      let type = ONNXTensorProto.DataType(rawValue: Int(tensor.dataType))!
      let values: [Int64]
      switch type {
      case .int32: values = try fromRaw(Int32.self, width: 4)?.map(Int64.init) ?? []
      case .int16: values = try fromRaw(Int16.self, width: 2)?.map(Int64.init) ?? []
      case .uint16: values = try fromRaw(UInt16.self, width: 2)?.map(Int64.init) ?? []
      case .int8: values = try fromRaw(Int8.self, width: 1)?.map(Int64.init) ?? []
      default: values = try fromRaw(UInt8.self, width: 1)?.map(Int64.init) ?? []
      }
      let all = tensor.hasRawData ? values : try checked(tensor.int32Data).map { Int64($0) }
      return ONNXTensorData(
        dimensions: dims, integers: all, kind: type == .bool ? .boolean : .integer)
    default:
      throw ONNXError.unsupported(
        "\(name) holds \(typeName(tensor.dataType)) elements; dlg computes in float32 and int32")
    }
  }

  /// A float tensor for an initializer or a test's data (little-endian raw data).
  public static func make(name: String, dimensions: [Int], floats: [Float]) -> ONNXTensorProto {
    var tensor = ONNXTensorProto()
    tensor.name = name
    tensor.dims = dimensions.map(Int64.init)
    tensor.dataType = Int32(ONNXTensorProto.DataType.float.rawValue)
    tensor.rawData = floats.withUnsafeBufferPointer { Data(buffer: $0) }
    return tensor
  }

  /// An int64 tensor (shapes, axes, indices).
  public static func make(name: String, dimensions: [Int], integers: [Int64]) -> ONNXTensorProto {
    var tensor = ONNXTensorProto()
    tensor.name = name
    tensor.dims = dimensions.map(Int64.init)
    tensor.dataType = Int32(ONNXTensorProto.DataType.int64.rawValue)
    tensor.rawData = integers.withUnsafeBufferPointer { Data(buffer: $0) }
    return tensor
  }
}

extension ONNXTensors {
  /// Reads a serialized `TensorProto` (a test case's `input_0.pb`).
  public static func decode(_ bytes: Data, source: String) throws(ONNXError) -> ONNXTensorData {
    let tensor: ONNXTensorProto
    do {
      tensor = try ONNXTensorProto(serializedBytes: bytes)
    } catch {
      throw ONNXError("\(source): not a serialized ONNX TensorProto")
    }
    return try read(tensor, what: source)
  }
}
