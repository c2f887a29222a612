/// One node of an ONNX graph as an import rule reads it: its inputs and outputs by name, and
/// its attributes by name with defaults, every wrong attribute an error naming the node.
public struct ONNXNode: Sendable {
  public let proto: ONNXNodeProto
  /// The model's default-domain opset (ops changed meaning between opsets).
  public let opset: Int64

  public init(_ proto: ONNXNodeProto, opset: Int64) {
    self.proto = proto
    self.opset = opset
  }

  public var opType: String { proto.opType }
  /// How messages name the node: `Conv node "conv1" (opset 17)`.
  public var label: String {
    let name = proto.name.isEmpty ? (proto.output.first ?? "?") : proto.name
    return "\(proto.opType) node \"\(name)\" (opset \(opset))"
  }
  public var inputs: [String] { proto.input }
  public var outputs: [String] { proto.output }

  /// Input `index`, nil when it is absent or left empty (an optional input).
  public func input(_ index: Int) -> String? {
    index < proto.input.count && !proto.input[index].isEmpty ? proto.input[index] : nil
  }

  /// Input `index`, which the op requires.
  public func requiredInput(_ index: Int) throws(ONNXError) -> String {
    guard let name = input(index) else {
      throw ONNXError("\(label) lacks its input \(index + 1)")
    }
    return name
  }

  public func attribute(_ name: String) -> ONNXAttributeProto? {
    proto.attribute.first { $0.name == name }
  }

  public func int(_ name: String, default value: Int) throws(ONNXError) -> Int {
    guard let attribute = attribute(name) else { return value }
    guard attribute.hasI || attribute.type == .int else {
      throw ONNXError("\(label): attribute `\(name)` should be an integer")
    }
    guard let result = Int(exactly: attribute.i), result > -(1 << 40), result < 1 << 40 else {
      throw ONNXError("\(label): attribute `\(name)` = \(attribute.i) is out of range")
    }
    return result
  }

  public func float(_ name: String, default value: Float) throws(ONNXError) -> Float {
    guard let attribute = attribute(name) else { return value }
    guard attribute.hasF || attribute.type == .float else {
      throw ONNXError("\(label): attribute `\(name)` should be a float")
    }
    return attribute.f
  }

  public func ints(_ name: String) throws(ONNXError) -> [Int]? {
    guard let attribute = attribute(name) else { return nil }
    guard attribute.ints.count <= 4096 else {
      throw ONNXError("\(label): attribute `\(name)` lists \(attribute.ints.count) values")
    }
    return try attribute.ints.map { (value: Int64) throws(ONNXError) -> Int in
      guard value > -(1 << 40), value < 1 << 40 else {
        throw ONNXError("\(label): attribute `\(name)` holds \(value), which is out of range")
      }
      return Int(value)
    }
  }

  public func string(_ name: String, default value: String) -> String {
    guard let attribute = attribute(name) else { return value }
    return String(decoding: attribute.s, as: UTF8.self)
  }

  /// An error for an attribute value dlg does not implement.
  public func unsupported(_ what: String, help: String? = nil) -> ONNXError {
    .unsupported("\(label): \(what) is not supported", help: help)
  }

  /// Fails unless the attribute is absent or has the one value dlg implements.
  public func expect(_ name: String, toBe expected: Int, _ what: String) throws(ONNXError) {
    let value = try int(name, default: expected)
    guard value == expected else { throw unsupported("\(what) (\(name) = \(value))") }
  }
}
