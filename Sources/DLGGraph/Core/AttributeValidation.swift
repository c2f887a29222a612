/// Checks for attributes read from outside (JSON, a checkpoint, an ONNX file): what each op's
/// `validateAttributes` uses.
public enum AttributeRules {
  /// Sizes beyond this are typos or attacks, not models (as the language's own limit).
  public static let maximumExtent = 1 << 24

  /// `value` within `range`, or an error naming the attribute.
  public static func expect(_ value: Int, in range: ClosedRange<Int>, _ name: String, op: String)
    throws(GraphError)
  {
    guard range.contains(value) else {
      throw GraphError(
        "\(op): \(name) is \(value), outside \(range.lowerBound)...\(range.upperBound)")
    }
  }

  /// A finite `value` within `range`.
  public static func expect(
    _ value: Float, in range: ClosedRange<Float>, _ name: String, op: String
  ) throws(GraphError) {
    guard value.isFinite, range.contains(value) else {
      throw GraphError(
        "\(op): \(name) is \(value), outside \(range.lowerBound)...\(range.upperBound)")
    }
  }
}

extension TensorType {
  /// Every fixed dimension positive and within the size limit.
  public func validate(op: String) throws(GraphError) {
    for case .fixed(let n) in shape {
      try AttributeRules.expect(n, in: 1...AttributeRules.maximumExtent, "a dimension", op: op)
    }
    guard shape.count <= 8 else { throw GraphError("\(op): a tensor of rank \(shape.count)") }
  }
}

extension Conv2DAttributes {
  /// Kernel and stride positive and within the size limit.
  public func validate(op: String) throws(GraphError) {
    for (value, name) in [
      (kernelHeight, "the kernel height"), (kernelWidth, "the kernel width"),
      (strideHeight, "the vertical stride"), (strideWidth, "the horizontal stride"),
    ] {
      try AttributeRules.expect(value, in: 1...AttributeRules.maximumExtent, name, op: op)
    }
  }
}

extension ElementwiseProgram {
  /// Every instruction reads registers defined before it and inputs at non-negative slots;
  /// results and stores name registers that exist.
  public func validate(op: String) throws(GraphError) {
    func register(_ r: Int, before index: Int) throws(GraphError) {
      guard r >= 0, r < index else {
        throw GraphError("\(op): instruction \(index) reads register \(r), not defined before it")
      }
    }
    for (index, instruction) in instructions.enumerated() {
      switch instruction {
      case .input(let slot), .columnInput(let slot):
        try AttributeRules.expect(slot, in: 0...1 << 20, "an input slot", op: op)
      case .scalarInput(let slot, let element):
        try AttributeRules.expect(slot, in: 0...1 << 20, "an input slot", op: op)
        try AttributeRules.expect(element, in: 0...1 << 20, "a scalar index", op: op)
      case .constant: break
      case .copy(let a), .squareRoot(let a), .exp(let a), .log(let a), .relu(let a),
        .sigmoid(let a), .tanh(let a):
        try register(a, before: index)
      case .add(let a, let b), .subtract(let a, let b), .multiply(let a, let b),
        .divide(let a, let b), .affine(let a, let b, _, _), .maximum(let a, let b),
        .minimum(let a, let b), .greater(let a, let b), .wherePositive(let a, let b):
        try register(a, before: index)
        try register(b, before: index)
      case .select(let c, let a, let b):
        for r in [c, a, b] { try register(r, before: index) }
      }
    }
    for r in results + stores.map(\.register) { try register(r, before: instructions.count) }
    for store in stores {
      try AttributeRules.expect(store.input, in: 0...1 << 20, "a store's input", op: op)
    }
  }
}
