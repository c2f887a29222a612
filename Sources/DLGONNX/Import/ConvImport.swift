import DLGGraph

/// Padding of one spatial axis as ONNX gives it (`pads`, `auto_pad`) against what dlg's
/// `valid` and `same` mean; anything else is explicit zero padding before a valid window.
struct AxisPadding: Equatable {
  var before: Int
  var after: Int

  /// The padding `same` means in dlg (and TensorFlow, and ONNX's SAME_UPPER).
  static func same(input: Int, kernel: Int, stride: Int) -> AxisPadding {
    let out = (input + stride - 1) / stride
    let total = max((out - 1) * stride + kernel - input, 0)
    return AxisPadding(before: total / 2, after: total - total / 2)
  }

  /// The paddings of `node` for spatial extents `inputs`.
  static func of(_ node: ONNXNode, inputs: [Int], kernel: [Int], strides: [Int])
    throws(ONNXError) -> [AxisPadding]
  {
    let rank = inputs.count
    switch node.string("auto_pad", default: "NOTSET") {
    case "VALID": return Array(repeating: AxisPadding(before: 0, after: 0), count: rank)
    case "SAME_UPPER":
      return (0..<rank).map { same(input: inputs[$0], kernel: kernel[$0], stride: strides[$0]) }
    case "SAME_LOWER":
      return (0..<rank).map {
        let upper = same(input: inputs[$0], kernel: kernel[$0], stride: strides[$0])
        return AxisPadding(before: upper.after, after: upper.before)
      }
    case "NOTSET", "":
      let pads = try node.ints("pads") ?? Array(repeating: 0, count: 2 * rank)
      guard pads.count == 2 * rank, pads.allSatisfy({ $0 >= 0 && $0 < 1 << 20 }) else {
        throw ONNXError("\(node.label): `pads` \(pads) should be \(2 * rank) sizes ≥ 0")
      }
      return (0..<rank).map { AxisPadding(before: pads[$0], after: pads[$0 + rank]) }
    case let other:
      throw ONNXError("\(node.label): unknown auto_pad \"\(other)\"")
    }
  }
}

/// The window attributes shared by `Conv` and pooling: 2-D kernel, strides, dilations of 1.
struct Window2D {
  var kernel: [Int]
  var strides: [Int]
  var paddings: [AxisPadding]

  init(_ node: ONNXNode, input: [Dimension], kernel given: [Int]?) throws(ONNXError) {
    guard input.count == 4, case .fixed(let h) = input[2], case .fixed(let w) = input[3] else {
      throw node.unsupported(
        "a \(max(input.count - 2, 0))-D window (input \(input))",
        help: "dlg imports 2-D convolution and pooling of NCHW images")
    }
    guard let kernel = given, kernel.count == 2, kernel.allSatisfy({ $0 >= 1 && $0 < 1 << 16 })
    else { throw ONNXError("\(node.label): needs a 2-D kernel_shape") }
    let strides = try node.ints("strides") ?? [1, 1]
    guard strides.count == 2, strides.allSatisfy({ $0 >= 1 && $0 < 1 << 16 }) else {
      throw ONNXError("\(node.label): `strides` \(strides) should be two sizes ≥ 1")
    }
    let dilations = try node.ints("dilations") ?? [1, 1]
    guard dilations.allSatisfy({ $0 == 1 }) else {
      throw node.unsupported("dilations \(dilations)")
    }
    self.kernel = kernel
    self.strides = strides
    paddings = try AxisPadding.of(node, inputs: [h, w], kernel: kernel, strides: strides)
    extents = [h, w]
  }

  var extents: [Int]

  /// dlg's padding when both axes are unpadded or both padded as `same`.
  var dlgPadding: Padding? {
    if paddings.allSatisfy({ $0 == AxisPadding(before: 0, after: 0) }) { return .valid }
    let same = (0..<2).map {
      AxisPadding.same(input: extents[$0], kernel: kernel[$0], stride: strides[$0])
    }
    return paddings == same ? .same : nil
  }

  func attributes(_ padding: Padding) -> Conv2DAttributes {
    Conv2DAttributes(
      kernel: (kernel[0], kernel[1]), stride: (strides[0], strides[1]), padding: padding)
  }
}

/// NCHW in ONNX, NHWC in dlg: dlg axes (N, H, W, C) are ONNX axes (0, 2, 3, 1).
let channelsLast = [0, 2, 3, 1]

@used @section("dlg_registry")
private let registration: Registration = {
  ONNXImportRules.register(
    ONNXImportRule(["Conv"], limits: "2-D, group 1, dilations 1") {
      node, context throws(ONNXError) in
      let (xName, wName) = (try node.requiredInput(0), try node.requiredInput(1))
      let wShape = try context.shape(wName)
      guard wShape.count == 4 else { throw node.unsupported("a \(wShape.count - 2)-D kernel") }
      let kernel = wShape.dropFirst(2).map { $0.resolved(batch: 1) }
      let window = try Window2D(
        node, input: try context.shape(xName), kernel: try node.ints("kernel_shape") ?? kernel)
      guard window.kernel == kernel else {
        throw ONNXError("\(node.label): kernel_shape \(window.kernel) but weights \(wShape)")
      }
      guard try node.int("group", default: 1) == 1 else {
        throw node.unsupported("grouped convolution (group = \(try node.int("group", default: 1)))")
      }
      var x = try context.tensor(xName, layout: channelsLast)
      // OIHW weights as dlg's HWIO filter.
      let filter = try context.tensor(wName, layout: [2, 3, 1, 0])
      let padding: Padding
      if let simple = window.dlgPadding {
        padding = simple
      } else {
        for (axis, pad) in window.paddings.enumerated() where pad.before + pad.after > 0 {
          x = try context.add(Pad(axis: axis + 1, before: pad.before, after: pad.after), [x], "pad")
        }
        padding = .valid
      }
      var y = try context.add(Conv2D(window.attributes(padding)), [x, filter])
      if let bias = node.input(2) {
        y = try context.add(BiasAdd(), [y, try context.tensor(bias)], "bias")
      }
      try context.define(0, y, layout: channelsLast)
    })
}
