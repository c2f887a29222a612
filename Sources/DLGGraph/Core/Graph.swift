import DLGSource

/// A static dataflow graph: values (tensors with static types) and the nodes that compute them,
/// kept in a valid execution order (every node after the producers of its inputs).
public struct Graph: Sendable {
  public private(set) var values: [Value] = []
  public private(set) var nodes: [Node] = []

  public init() {}

  /// The value's static description.
  public subscript(value: ValueID) -> Value { values[value.index] }

  /// Adds a value fed from outside before each step.
  public mutating func addInput(_ name: String, _ type: TensorType) -> ValueID {
    appendValue(Value(type: type, name: name, role: .input, producer: nil))
  }

  /// Adds a trainable parameter.
  public mutating func addParameter(
    _ name: String, _ type: TensorType, initializer: Initializer
  ) -> ValueID {
    appendValue(Value(type: type, name: name, role: .parameter(initializer), producer: nil))
  }

  /// Adds model state that is not trained by gradients (running statistics).
  public mutating func addStatistic(
    _ name: String, _ type: TensorType, initializer: Initializer
  ) -> ValueID {
    appendValue(Value(type: type, name: name, role: .statistic(initializer), producer: nil))
  }

  /// Adds persistent state (optimizer moments), zero at start.
  public mutating func addState(_ name: String, _ type: TensorType) -> ValueID {
    appendValue(Value(type: type, name: name, role: .state, producer: nil))
  }

  /// Appends a node after checking its inputs against the op's shape rule; returns its outputs.
  @discardableResult
  public mutating func apply(
    _ op: any Operator, _ inputs: [ValueID], name: String, location: SourceRange? = nil,
    after: [ValueID] = []
  ) throws(GraphError) -> [ValueID] {
    let types = try op.outputTypes(for: inputs.map { values[$0.index].type })
    let nodeIndex = nodes.count
    let outputs = types.enumerated().map { offset, type in
      appendValue(
        Value(
          type: type, name: types.count == 1 ? name : "\(name):\(offset)",
          role: .intermediate, producer: nodeIndex))
    }
    nodes.append(
      Node(op: op, inputs: inputs, outputs: outputs, name: name, location: location, after: after))
    return outputs
  }

  /// Applies a single-output op and returns that output.
  public mutating func applySingleOutput(
    _ op: any Operator, _ inputs: [ValueID], name: String, location: SourceRange? = nil,
    after: [ValueID] = []
  ) throws(GraphError) -> ValueID {
    try apply(op, inputs, name: name, location: location, after: after)[0]
  }

  /// Replaces the node list (used by passes); the caller keeps it in a valid order.
  public mutating func replaceNodes(_ newNodes: [Node]) {
    nodes = newNodes
    for index in values.indices where values[index].producer != nil {
      values[index].producer = nil
    }
    for (index, node) in nodes.enumerated() {
      for output in node.outputs { values[output.index].producer = index }
    }
  }

  /// Turns a value into a compile-time constant (constant folding); its producer is dropped
  /// from the node list by the caller.
  public mutating func makeConstant(_ value: ValueID, _ data: [Float]) {
    values[value.index].role = .constant(data)
    values[value.index].producer = nil
  }

  /// Adds a value for a node a pass is about to create.
  public mutating func addIntermediate(_ name: String, _ type: TensorType) -> ValueID {
    appendValue(Value(type: type, name: name, role: .intermediate, producer: nil))
  }

  /// Values with a given role, in creation order.
  public func values(where predicate: (Value) -> Bool) -> [ValueID] {
    values.indices.filter { predicate(values[$0]) }.map(ValueID.init)
  }

  /// All trainable parameters, in creation order.
  public var parameters: [ValueID] {
    values { if case .parameter = $0.role { true } else { false } }
  }

  /// What a trained model consists of: its parameters and its statistics, in creation order.
  /// These are what a weights file holds.
  public var modelWeights: [ValueID] {
    values {
      switch $0.role {
      case .parameter, .statistic: true
      default: false
      }
    }
  }

  /// Every value read by some node, with the indices of its readers.
  public func readers() -> [ValueID: [Int]] {
    var result: [ValueID: [Int]] = [:]
    for (index, node) in nodes.enumerated() {
      for input in node.inputs { result[input, default: []].append(index) }
    }
    return result
  }

  private mutating func appendValue(_ value: Value) -> ValueID {
    values.append(value)
    return ValueID(values.count - 1)
  }
}
