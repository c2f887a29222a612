import DLGGraph

/// `Slice` with known starts, ends and axes and steps of 1: one dlg slice per axis, along
/// whichever dlg axis holds it in the tensor's layout.
@used @section("dlg_registry")
private let registration: Registration = {
  ONNXImportRules.register(
    ONNXImportRule(["Slice"], limits: "constant starts, ends and axes; steps of 1") {
      node, context throws(ONNXError) in
      let xName = try node.requiredInput(0)
      let shape = try context.shape(xName)
      let starts: [Int64]
      let ends: [Int64]
      var axes: [Int64]
      if node.opset >= 10 {
        starts = try context.integers(try node.requiredInput(1), "starts")
        ends = try context.integers(try node.requiredInput(2), "ends")
        axes =
          try node.input(3).map { (name: String) throws(ONNXError) in
            try context.integers(name, "axes")
          } ?? Array(0..<Int64(starts.count))
        if let stepsName = node.input(4) {
          let steps = try context.integers(stepsName, "steps")
          guard steps.allSatisfy({ $0 == 1 }) else { throw node.unsupported("steps \(steps)") }
        }
      } else {
        starts = (try node.ints("starts") ?? []).map(Int64.init)
        ends = (try node.ints("ends") ?? []).map(Int64.init)
        axes = (try node.ints("axes") ?? Array(0..<starts.count)).map(Int64.init)
      }
      guard starts.count == ends.count, axes.count == starts.count else {
        throw ONNXError("\(node.label): starts, ends and axes differ in length")
      }
      var (value, layout) = try context.tensorAnyLayout(xName)
      for (i, rawAxis) in axes.enumerated() {
        let axis = Int(clamping: rawAxis < 0 ? rawAxis + Int64(shape.count) : rawAxis)
        guard axis >= 0 && axis < shape.count, case .fixed(let extent) = shape[axis] else {
          throw node.unsupported("slicing axis \(rawAxis) of \(shape)")
        }
        func clamp(_ bound: Int64) -> Int {
          let resolved = bound < 0 ? bound + Int64(extent) : bound
          return Int(min(max(resolved, 0), Int64(extent)))
        }
        let (start, end) = (clamp(starts[i]), clamp(ends[i]))
        guard end > start else { throw node.unsupported("an empty slice") }
        if start == 0 && end == extent { continue }
        let dlgAxis = layout.firstIndex(of: axis)!
        value = try context.add(Slice(axis: dlgAxis, offset: start, width: end - start), [value])
      }
      try context.define(0, value, layout: layout)
    })
}
