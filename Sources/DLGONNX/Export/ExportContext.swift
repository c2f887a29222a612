import DLGGraph
import Foundation

/// The state of an export: the ONNX nodes and initializers written so far, and the ONNX
/// tensors standing for each dlg value.
///
/// A value may exist in ONNX in another axis order than dlg's (`layout`: ONNX axis `i` is dlg
/// axis `layout[i]`). dlg is NHWC and ONNX's convolutions NCHW, so a convolution's output is
/// kept NCHW and the ops after it that do not care about order (ReLU, Add) stay NCHW too; a
/// Transpose back is written only where an op needs dlg's order (Flatten before a Dense).
public struct ExportContext: Sendable {
  public let graph: Graph
  /// The default-domain opset being written.
  public let opset: Int64
  var nodes: [ONNXNodeProto] = []
  var initializers: [ONNXTensorProto] = []
  /// dlg value → layout → ONNX name.
  private var names: [ValueID: [[Int]: String]] = [:]
  private var used: Set<String> = []
  private let weights: @Sendable (ValueID) -> [Float]?
  /// How many nodes read each dlg value.
  let readers: [ValueID: [Int]]
  /// The dlg node being exported.
  var node: Node?
  /// Index in `nodes` of the ONNX node that computes each ONNX name.
  var producers: [String: Int] = [:]

  init(graph: Graph, opset: Int64, weights: @escaping @Sendable (ValueID) -> [Float]?) {
    self.graph = graph
    self.opset = opset
    self.weights = weights
    readers = graph.readers()
  }

  private var label: String { node.map { "\($0.name) (\($0.op.name))" } ?? "the graph" }

  /// An error for what the current node does that ONNX export does not cover.
  public func unsupported(_ what: String) -> ONNXError {
    .unsupported("\(label): \(what) does not export to ONNX")
  }

  // MARK: Names

  /// A fresh ONNX name based on `base`.
  public mutating func freshName(_ base: String) -> String {
    var name = base.isEmpty ? "t" : base
    var counter = 1
    while used.contains(name) {
      counter += 1
      name = "\(base)_\(counter)"
    }
    used.insert(name)
    return name
  }

  /// Records that `name` holds `value` in `layout`.
  public mutating func define(_ value: ValueID, _ name: String, layout: [Int]? = nil) {
    names[value, default: [:]][layout ?? identity(value)] = name
  }

  func identity(_ value: ValueID) -> [Int] { Array(0..<graph[value].type.rank) }

  /// The layouts `value` already exists in.
  public func layouts(of value: ValueID) -> [[Int]] {
    (names[value] ?? [:]).keys.sorted { $0.lexicographicallyPrecedes($1) }
  }

  /// The ONNX name of `value` in some layout it already has (dlg's order preferred), for ops
  /// that do not care about axis order.
  public mutating func anyLayout(_ value: ValueID) throws(ONNXError) -> (String, layout: [Int]) {
    let id = identity(value)
    if let name = names[value]?[id] { return (name, id) }
    if let layout = layouts(of: value).first, let name = names[value]?[layout] {
      return (name, layout)
    }
    return (try name(value), id)
  }

  /// The ONNX name of `value` in dlg's axis order.
  public mutating func name(_ value: ValueID) throws(ONNXError) -> String {
    try name(value, layout: identity(value))
  }

  /// The ONNX name of `value` with ONNX axis `i` being dlg axis `layout[i]`: a weight is
  /// reordered while exporting, a computed tensor by a Transpose.
  public mutating func name(_ value: ValueID, layout: [Int]) throws(ONNXError) -> String {
    if let name = names[value]?[layout] { return name }
    let type = graph[value].type
    if let data = weights(value) {
      let dims = type.dimensions(batch: 1)
      let moved = ImportContext.permuted(data, from: dims, layout)
      let suffix = layout == identity(value) ? "" : "_" + layout.map(String.init).joined()
      let name = freshName(graph[value].name + suffix)
      if type.dtype == .int32 {
        initializers.append(
          ONNXTensors.make(
            name: name, dimensions: moved.dimensions, integers: moved.values.map { Int64($0) }))
      } else {
        initializers.append(
          ONNXTensors.make(name: name, dimensions: moved.dimensions, floats: moved.values))
      }
      define(value, name, layout: layout)
      return name
    }
    guard let from = layouts(of: value).first, let source = names[value]?[from] else {
      throw ONNXError("\(label): `\(graph[value].name)` is read before anything computes it")
    }
    // ONNX axis i of the result is dlg axis layout[i], which is axis inverse[layout[i]] of
    // the tensor as it is.
    let inverse = Transpose(from).inverse.permutation
    let perm = layout.map { inverse[$0] }
    let name = addNode(
      "Transpose", [source], base: graph[value].name + "_t", ints: ["perm": perm])[0]
    define(value, name, layout: layout)
    return name
  }

  /// A constant initializer (a shape, axes, a scalar) with a fresh name.
  public mutating func constant(_ base: String, ints: [Int]) -> String {
    let name = freshName(base)
    initializers.append(
      ONNXTensors.make(name: name, dimensions: [ints.count], integers: ints.map(Int64.init)))
    return name
  }

  public mutating func constant(_ base: String, floats: [Float], dimensions: [Int]? = nil)
    -> String
  {
    let name = freshName(base)
    initializers.append(
      ONNXTensors.make(name: name, dimensions: dimensions ?? [floats.count], floats: floats))
    return name
  }

  /// The data of a weight (parameter, statistic or constant), nil for computed values.
  public func weightData(_ value: ValueID) -> [Float]? { weights(value) }

  // MARK: Nodes

  /// Appends an ONNX node named after the current dlg node; returns its output names.
  @discardableResult
  public mutating func addNode(
    _ opType: String, _ inputs: [String], base: String? = nil, outputs: Int = 1,
    ints: [String: [Int]] = [:], int: [String: Int] = [:], floats: [String: Float] = [:],
    strings: [String: String] = [:]
  ) -> [String] {
    var proto = ONNXNodeProto()
    proto.opType = opType
    let base = base ?? node?.name ?? opType
    proto.name = freshName(base + "/" + opType)
    proto.input = inputs
    proto.output = (0..<outputs).map { freshName(outputs == 1 ? base : "\(base)_\($0)") }
    func attribute(_ name: String, _ fill: (inout ONNXAttributeProto) -> Void) {
      var attribute = ONNXAttributeProto()
      attribute.name = name
      fill(&attribute)
      proto.attribute.append(attribute)
    }
    for (key, values) in ints.sorted(by: { $0.key < $1.key }) {
      attribute(key) {
        $0.type = .ints
        $0.ints = values.map(Int64.init)
      }
    }
    for (key, value) in int.sorted(by: { $0.key < $1.key }) {
      attribute(key) {
        $0.type = .int
        $0.i = Int64(value)
      }
    }
    for (key, value) in floats.sorted(by: { $0.key < $1.key }) {
      attribute(key) {
        $0.type = .float
        $0.f = value
      }
    }
    for (key, value) in strings.sorted(by: { $0.key < $1.key }) {
      attribute(key) {
        $0.type = .string
        $0.s = Data(value.utf8)
      }
    }
    for output in proto.output { producers[output] = nodes.count }
    nodes.append(proto)
    return proto.output
  }

  /// Adds an input to the ONNX node that computes `name` (a bias folded into its Conv).
  mutating func appendInput(_ input: String, toProducerOf name: String) -> Bool {
    guard let index = producers[name] else { return false }
    nodes[index].input.append(input)
    return true
  }

  /// The op type of the ONNX node computing `name`, if a node does.
  func producerOp(of name: String) -> ONNXNodeProto? { producers[name].map { nodes[$0] } }

}
