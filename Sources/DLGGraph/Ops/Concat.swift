import DLGKernels

/// Joins tensors along their last axis (channels for images, features for vectors); every
/// other dimension must match.
public struct Concat: Operator {
  public init() {}

  public var name: String { "Concat" }
  public var fusionClass: FusionClass { .injective }
  public var family: OpFamily { .merge }

  public func outputTypes(for inputs: [TensorType]) throws(ShapeError) -> [TensorType] {
    guard inputs.count >= 2 else { throw ShapeError("Concat joins at least two inputs") }
    let first = inputs[0]
    var width = 0
    for input in inputs {
      guard input.rank == first.rank, input.rank >= 1,
        input.shape.dropLast() == first.shape.dropLast(),
        case .fixed(let w)? = input.shape.last, input.dtype == .float32
      else {
        throw ShapeError(
          "Concat needs inputs that differ only in their last dimension",
          notes: inputs.map { "input: \($0)" })
      }
      width += w
    }
    return [TensorType(.float32, Array(first.shape.dropLast()) + [.fixed(width)])]
  }

  public func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(ShapeError) -> [ValueID?]
  {
    guard let dy = outputGradients[0] else { return node.inputs.map { _ in nil } }
    var offset = 0
    var gradients: [ValueID?] = []
    for input in node.inputs {
      guard case .fixed(let width)? = builder.type(of: input).shape.last else { return [] }
      gradients.append(
        try builder.add(
          SliceLastAxis(offset: offset, width: width), [dy], "dConcat\(gradients.count)"))
      offset += width
    }
    return gradients
  }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let output = binding.outputs[0]
    let rows = ShapeRules.rows(output.dimensions)
    let total = output.dimensions.last ?? 1
    let parts = binding.inputs.map { ($0.floats, $0.dimensions.last ?? 1) }
    let y = output.floats
    return { _ in
      for r in 0..<rows {
        var offset = 0
        for (x, width) in parts {
          (y + r * total + offset).update(from: x + r * width, count: width)
          offset += width
        }
      }
    }
  }
}

/// Columns `offset..<offset+width` of the last axis: the gradient of one Concat input.
public struct SliceLastAxis: NonDifferentiable {
  public var offset: Int
  public var width: Int

  public init(offset: Int, width: Int) {
    self.offset = offset
    self.width = width
  }

  public var name: String { "SliceLastAxis" }
  public var attributeSummary: String { "\(offset)..<\(offset + width)" }
  public var fusionClass: FusionClass { .injective }
  public var family: OpFamily { .reshape }

  public func outputTypes(for inputs: [TensorType]) throws(ShapeError) -> [TensorType] {
    try ShapeRules.expectInputCount(inputs, 1, op: name)
    return [TensorType(.float32, Array(inputs[0].shape.dropLast()) + [.fixed(width)])]
  }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let input = binding.inputs[0]
    let rows = ShapeRules.rows(input.dimensions)
    let total = input.dimensions.last ?? 1
    let (x, y, offset, width) = (input.floats, binding.outputs[0].floats, offset, width)
    return { _ in
      for r in 0..<rows { (y + r * width).update(from: x + r * total + offset, count: width) }
    }
  }
}
