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
      if layout == Array(layout.indices) { return try parameter(name, data, key: name) }
      // Weights are reordered once, here, not by a transpose each run.
      let moved = Self.permuted(data.floats, from: data.dimensions, layout)
      var relaidData = ONNXTensorData(dimensions: moved.dimensions, floats: moved.values)
      relaidData.kind = data.kind
      let key = "\(name)/" + layout.map(String.init).joined(separator: ",")
      return try parameter(key, relaidData, key: key)
    case .tensor(let value, let current):
      guard current.count == layout.count else {
        throw ONNXError(
          "\(label): `\(name)` has rank \(current.count), expected \(layout.count)")
      }
      if current == layout { return value }
      if let cached = relaid[name]?[layout] { return cached }
      // dlg axis i of the result is ONNX axis layout[i], which is dlg axis inverse[layout[i]]
      // of the value as it is.
      let inverse = Transpose(current).inverse.permutation
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

  /// The parameter made of each initializer in each layout, made once.
  private var parametersByKey: [String: ValueID] = [:]
  private var parameterNames: Set<String> = []

  /// A constant as a graph value: a parameter holding its data (weights, biases). `key`
  /// identifies the data (an initializer in a layout) so it becomes one parameter however
  /// often it is read; nil for data a rule made, which is always new.
  mutating func parameter(_ name: String, _ data: ONNXTensorData, key: String? = nil)
    throws(ONNXError) -> ValueID
  {
    if let key, let value = parametersByKey[key] { return value }
    guard data.count == data.dimensions.reduce(1, *) else {
      throw ONNXError("\(label): `\(name)` holds \(data.count) values for \(data.dimensions)")
    }
    // Integer data (ids) stays integer; booleans are 0 and 1 in floats, as dlg's masks are.
    let type = TensorType(
      data.kind == .integer ? .int32 : .float32, data.dimensions.map { .fixed($0) })
    try checkSize(type, name)
    var unique = name
    var counter = 1
    while parameterNames.contains(unique) {
      counter += 1
      unique = "\(name)#\(counter)"
    }
    parameterNames.insert(unique)
    let value = graph.addParameter(unique, type, initializer: .zeros)
    weights[value] = data.floats
    if let key { parametersByKey[key] = value }
    return value
  }

  /// The most axes a tensor may have, as in `.dlg` files.
  public static let maximumRank = 8

  /// Refuses a tensor no CPU model needs: more axes than dlg takes or more elements than a
  /// tensor may hold (a corrupt file, or one written to exhaust memory).
  func checkSize(_ type: TensorType, _ what: String) throws(ONNXError) {
    guard type.rank <= Self.maximumRank else {
      throw ONNXError.unsupported("\(label): `\(what)` has \(type.rank) axes; dlg takes up to 8")
    }
    guard let count = type.checkedElementsPerItem, count <= ONNXTensors.maximumElements else {
      throw ONNXError("\(label): `\(what)` would have shape \(type): too large for any model")
    }
  }

  /// The integers of a constant input (a shape, axes, indices), refusing float data.
  public func integers(_ name: String, _ what: String) throws(ONNXError) -> [Int64] {
    let data = try constant(name, what)
    guard data.kind != .float else { throw ONNXError("\(label): \(what) must be integers") }
    return data.integers
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
    // The shape rule first, then the size: no op may make a tensor larger than any model's.
    let types: [TensorType]
    do {
      types = try op.outputTypes(for: inputs.map { graph[$0].type })
    } catch {
      throw refusal(error, op, inputs)
    }
    for type in types { try checkSize(type, name) }
    do {
      return try graph.applySingleOutput(op, inputs, name: name)
    } catch {
      throw refusal(error, op, inputs)
    }
  }

  /// A checked ONNX model whose shapes dlg's op refuses: integers where dlg computes in
  /// floats, or a case the op does not cover.
  private func refusal(_ error: GraphError, _ op: any Operator, _ inputs: [ValueID]) -> ONNXError {
    let integers = inputs.contains { graph[$0].type.dtype == .int32 }
    return ONNXError(
      "\(label): \(integers ? "dlg computes \(op.name) in float32 only" : error.message)",
      kind: .unsupported, help: error.help)
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
  public mutating func defineConstant(_ index: Int = 0, _ data: ONNXTensorData) throws(ONNXError) {
    guard data.dimensions.count <= Self.maximumRank,
      data.dimensions.allSatisfy({ $0 >= 0 }),
      (try? ONNXTensors.elementCount(data.dimensions.map(Int64.init), what: "")) == data.count
    else {
      throw ONNXError(
        "\(label): a constant of shape \(data.dimensions) holding \(data.count) values")
    }
    guard let node, index < node.outputs.count, !node.outputs[index].isEmpty else { return }
    entries[node.outputs[index]] = .constant(data)
  }
}
