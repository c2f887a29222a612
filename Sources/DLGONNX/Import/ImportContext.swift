import DLGGraph

/// The state of an import: the dlg graph built so far, and what each ONNX tensor name stands
/// for. Rules read inputs and define outputs through it.
///
/// A tensor may live in dlg in another axis order than ONNX's (`layout`): ONNX images are NCHW
/// and dlg's convolutions NHWC, so a convolution's output stays NHWC, and the ops after it that
/// do not care about axis order (ReLU, Add) keep it so. A Transpose back is added only where an
/// op needs ONNX's order (Flatten, Reshape), so a chain of convolutions imports without one.
public struct ImportContext: Sendable {
  /// What an ONNX name stands for.
  enum Entry: Sendable {
    /// A dlg value holding the tensor with its axes reordered: dlg axis `i` is ONNX axis
    /// `layout[i]` (the identity when the orders agree).
    case tensor(ValueID, layout: [Int])
    /// Data known while importing (initializers, `Constant` nodes, shapes).
    case constant(ONNXTensorData)
  }

  public internal(set) var graph = Graph()
  /// The data of every parameter made from an initializer.
  public internal(set) var weights: [ValueID: [Float]] = [:]
  let opset: Int64
  var entries: [String: Entry] = [:]
  /// The same tensor in other layouts, made once: `name` → layout → value.
  private var relaid: [String: [[Int]: ValueID]] = [:]
  /// The node being imported, for messages and names.
  var node: ONNXNode?

  init(opset: Int64) { self.opset = opset }

  private var label: String { node?.label ?? "the graph" }

  // MARK: Reading inputs

  /// True when `name` is data known at import time.
  public func isConstant(_ name: String) -> Bool {
    if case .constant = entries[name] { return true }
    return false
  }

  /// The data of a constant input (a shape, axes, pads), or an error saying it must be one.
  public func constant(_ name: String, _ what: String) throws(ONNXError) -> ONNXTensorData {
    guard case .constant(let data) = entries[name] else {
      if entries[name] == nil { throw ONNXError("\(label) reads `\(name)`, which nothing defines") }
      throw ONNXError.unsupported(
        "\(label): \(what) must be a constant (an initializer), since dlg's graphs are static")
    }
    return data
  }

  /// The tensor's shape in ONNX's axis order.
  public func shape(_ name: String) throws(ONNXError) -> [Dimension] {
    switch entries[name] {
    case .constant(let data): return data.dimensions.map { .fixed($0) }
    case .tensor(let value, let layout):
      let shape = graph[value].type.shape
      var result = shape
      for (dlgAxis, onnxAxis) in layout.enumerated() { result[onnxAxis] = shape[dlgAxis] }
      return result
    case nil: throw ONNXError("\(label) reads `\(name)`, which nothing defines")
    }
  }

  /// The tensor's value with its axes in ONNX's order.
  public mutating func tensor(_ name: String) throws(ONNXError) -> ValueID {
    let rank = try shape(name).count
    return try tensor(name, layout: Array(0..<rank))
  }

  /// The tensor's value with dlg axis `i` being ONNX axis `layout[i]`, transposed if needed.
  public mutating func tensor(_ name: String, layout: [Int]) throws(ONNXError) -> ValueID {
    switch entries[name] {
    case .constant(let data):
      guard layout.count == data.dimensions.count else {
        throw ONNXError(
          "\(label): `\(name)` has rank \(data.dimensions.count), expected \(layout.count)")
      }
      if layout == Array(layout.indices) { return try parameter(name, data) }
      // Weights are reordered once, here, not by a transpose each run.
      let moved = Self.expand(data.floats, from: data.dimensions, layout)
      var relaidData = ONNXTensorData(dimensions: moved.dimensions, floats: moved.values)
      relaidData.kind = data.kind
      return try parameter("\(name)/" + layout.map(String.init).joined(), relaidData)
    case .tensor(let value, let current):
      guard current.count == layout.count else {
        throw ONNXError(
          "\(label): `\(name)` has rank \(current.count), expected \(layout.count)")
      }
      if current == layout { return value }
      if let cached = relaid[name]?[layout] { return cached }
      // dlg axis i of the result is ONNX axis layout[i], which is dlg axis inverse[layout[i]]
      // of the value as it is.
      var inverse = [Int](repeating: 0, count: current.count)
      for (dlgAxis, onnxAxis) in current.enumerated() { inverse[onnxAxis] = dlgAxis }
      let result = try transposed(value, layout.map { inverse[$0] }, name: name)
      relaid[name, default: [:]][layout] = result
      return result
    case nil:
      throw ONNXError("\(label) reads `\(name)`, which nothing defines")
    }
  }

  /// The tensor's value in whatever layout it has, for ops that do not care (ReLU).
  public mutating func tensorAnyLayout(_ name: String) throws(ONNXError) -> (
    ValueID, layout: [Int]
  ) {
    if case .tensor(let value, let layout) = entries[name] { return (value, layout) }
    let value = try tensor(name)
    return (value, Array(0..<graph[value].type.rank))
  }

  /// The layout `name` has in dlg (the identity for constants).
  public func layout(of name: String) throws(ONNXError) -> [Int] {
    if case .tensor(_, let layout) = entries[name] { return layout }
    return Array(0..<(try shape(name).count))
  }

  private var parametersByName: [String: ValueID] = [:]

  /// A constant as a graph value: a parameter holding its data (weights, biases).
  mutating func parameter(_ name: String, _ data: ONNXTensorData) throws(ONNXError) -> ValueID {
    if let value = parametersByName[name] { return value }
    let type = TensorType(
      data.kind == .float ? .float32 : .int32, data.dimensions.map { .fixed($0) })
    let value = graph.addParameter(name, type, initializer: .zeros)
    weights[value] = data.floats
    parametersByName[name] = value
    return value
  }

  /// A parameter made by a rule (a converted weight): named after the node.
  public mutating func parameter(
    named suffix: String, dimensions: [Int], floats: [Float]
  ) throws(ONNXError) -> ValueID {
    try parameter(nodeName + "/" + suffix, ONNXTensorData(dimensions: dimensions, floats: floats))
  }

  // MARK: Adding ops and defining outputs

  /// The dlg name of ops made for the current node.
  var nodeName: String {
    guard let node else { return "import" }
    return node.proto.name.isEmpty ? (node.proto.output.first ?? node.opType) : node.proto.name
  }

  /// Appends a dlg op for the current node.
  public mutating func add(_ op: any Operator, _ inputs: [ValueID], _ suffix: String? = nil)
    throws(ONNXError) -> ValueID
  {
    let name = suffix.map { "\(nodeName)/\($0)" } ?? nodeName
    do {
      return try graph.applySingleOutput(op, inputs, name: name)
    } catch {
      // A checked ONNX model whose shapes dlg's op refuses: integers where dlg computes in
      // floats, or a case the op does not cover.
      let integers = inputs.contains { graph[$0].type.dtype == .int32 }
      throw ONNXError(
        "\(label): \(integers ? "dlg computes \(op.name) in float32 only" : error.message)",
        kind: .unsupported, help: error.help)
    }
  }

  private mutating func transposed(_ value: ValueID, _ permutation: [Int], name: String)
    throws(ONNXError) -> ValueID
  {
    do {
      return try graph.applySingleOutput(Transpose(permutation), [value], name: "\(name)/layout")
    } catch {
      throw ONNXError(
        "\(label): cannot reorder the axes of `\(name)`: \(error.message)", kind: .unsupported)
    }
  }

  /// Defines output `index` of the current node as `value` in ONNX's axis order.
  public mutating func define(_ index: Int = 0, _ value: ValueID) throws(ONNXError) {
    try define(index, value, layout: Array(0..<graph[value].type.rank))
  }

  /// Defines output `index` as `value`, whose axis `i` is ONNX axis `layout[i]`.
  public mutating func define(_ index: Int, _ value: ValueID, layout: [Int]) throws(ONNXError) {
    guard let node, index < node.outputs.count else { return }
    let name = node.outputs[index]
    guard !name.isEmpty else { return }
    entries[name] = .tensor(value, layout: layout)
  }

  /// Defines output `index` as data known at import time.
  public mutating func defineConstant(_ index: Int = 0, _ data: ONNXTensorData) {
    guard let node, index < node.outputs.count, !node.outputs[index].isEmpty else { return }
    entries[node.outputs[index]] = .constant(data)
  }
}
