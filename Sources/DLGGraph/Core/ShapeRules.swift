/// Small checks shared by shape rules, each producing a message that names both shapes.
public enum ShapeRules {
  public static func expectInputCount(_ inputs: [TensorType], _ count: Int, op: String)
    throws(GraphError)
  {
    guard inputs.count == count else {
      throw GraphError("\(op) takes \(count) input\(count == 1 ? "" : "s"), got \(inputs.count)")
    }
  }

  public static func expectRank(_ type: TensorType, _ rank: Int, op: String, what: String)
    throws(GraphError)
  {
    guard type.rank == rank else {
      throw GraphError(
        "\(op) expects its \(what) to have rank \(rank), got \(type.rank)",
        notes: ["\(what): \(type)"])
    }
  }

  public static func expectFloat(_ type: TensorType, op: String, what: String) throws(GraphError) {
    guard type.dtype == .float32 else {
      throw GraphError("\(op) expects f32 \(what), got \(type)")
    }
  }

  public static func expectSameShape(_ a: TensorType, _ b: TensorType, op: String)
    throws(GraphError)
  {
    guard a.shape == b.shape else {
      throw GraphError(
        "\(op) needs inputs of the same shape", notes: ["left:  \(a)", "right: \(b)"])
    }
  }

  /// The rule of a binary elementwise op: two inputs of one shape, an output of that shape.
  public static func samePair(_ inputs: [TensorType], op: String) throws(GraphError) -> [TensorType]
  {
    try expectInputCount(inputs, 2, op: op)
    try expectSameShape(inputs[0], inputs[1], op: op)
    return [inputs[0]]
  }

  /// Two float inputs of one shape: the shape rule of binary elementwise ops.
  public static func sameFloatPair(_ inputs: [TensorType], op: String) throws(GraphError)
    -> [TensorType]
  {
    try expectInputCount(inputs, 2, op: op)
    try expectSameShape(inputs[0], inputs[1], op: op)
    try expectFloat(inputs[0], op: op, what: "inputs")
    return [inputs[0]]
  }

  /// `axis` of `type` counted from 0 (a negative one from the end), refusing the batch axis.
  public static func axis(_ axis: Int, of type: TensorType, op: String) throws(GraphError) -> Int {
    let resolved = axis < 0 ? axis + type.rank : axis
    guard (0..<type.rank).contains(resolved) else {
      throw GraphError("\(op): axis \(axis) does not exist in \(type)")
    }
    guard type.shape[resolved] != .batch else {
      throw GraphError("\(op) cannot work along the batch axis N of \(type)")
    }
    return resolved
  }

  /// The size of `axis` of `type` (a negative axis from the end; never the batch axis, so the
  /// size is always known).
  public static func extent(_ axis: Int, of type: TensorType, op: String) throws(GraphError) -> Int
  {
    let resolved = try self.axis(axis, of: type, op: op)
    guard case .fixed(let size) = type.shape[resolved] else { return 0 }
    return size
  }

  /// The number of rows when a tensor is seen as a matrix [rows, lastDimension].
  public static func rows(_ dimensions: [Int]) -> Int { dimensions.dropLast().reduce(1, *) }
}
