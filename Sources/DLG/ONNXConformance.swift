import Foundation

/// Runs ONNX backend test cases (a folder holding `model.onnx` and `test_data_set_*/input_*.pb`
/// and `output_*.pb`, as the `onnx` package writes its node tests) through dlg's importer and
/// kernels, comparing with the reference outputs at the ONNX runner's tolerance.
public enum ONNXConformance {
  public static let relativeTolerance: Float = 1e-3
  public static let absoluteTolerance: Float = 1e-7

  /// How one case went.
  public enum Outcome: Sendable, Equatable {
    case passed
    /// dlg ran it and got other numbers (or shapes).
    case failed(String)
    /// The importer refused the model: an op, an attribute or a type dlg does not implement.
    case unsupported(String)
  }

  public struct Result: Sendable {
    public var name: String
    /// The op types of the case's model.
    public var opTypes: [String]
    public var outcome: Outcome
  }

  /// Runs the case in `folder`.
  public static func run(_ folder: String) -> Result {
    let name = URL(fileURLWithPath: folder).lastPathComponent
    var opTypes: [String] = []
    do throws(ONNXError) {
      let proto = try ONNXFile.read(folder + "/model.onnx")
      opTypes = proto.graph.node.map(\.opType)
      let sets = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
        .filter { $0.hasPrefix("test_data_set_") }.sorted()
      guard !sets.isEmpty else {
        return Result(name: name, opTypes: opTypes, outcome: .failed("no test_data_set_* folder"))
      }
      let initializers = Set(proto.graph.initializer.map(\.name))
      let graphInputs = proto.graph.input.filter { !initializers.contains($0.name) }
      for set in sets {
        let inputs = try tensors(in: folder + "/" + set, prefix: "input_")
        let expected = try tensors(in: folder + "/" + set, prefix: "output_")
        // int64 inputs (ONNX's type for shapes, axes and indices) are bound as constants:
        // dlg's graphs are static. The rest are fed at run time.
        var bindings: [String: ONNXTensorData] = [:]
        var fed: [[Float]] = []
        for (index, data) in inputs.enumerated() where index < graphInputs.count {
          let type = graphInputs[index].type.tensorType.elemType
          if type == Int32(ONNXTensorProto.DataType.int64.rawValue) {
            bindings[graphInputs[index].name] = data
          } else {
            fed.append(data.floats)
          }
        }
        let model: ONNXModel
        do {
          model = try ONNXModel(proto, bindings: bindings)
        } catch  where error.kind == .unsupported && error.message.contains("must be a constant") {
          // Weights fed as inputs (the recurrent tests feed W, R and B): real models hold
          // them as initializers, so bind every input but the first, the data.
          for (index, data) in inputs.enumerated() where index > 0 && index < graphInputs.count {
            bindings[graphInputs[index].name] = data
          }
          fed = inputs.isEmpty || bindings[graphInputs[0].name] != nil ? [] : [inputs[0].floats]
          model = try ONNXModel(proto, bindings: bindings)
        }
        let actual = try model.run(fed)
        for (index, reference) in expected.enumerated() {
          guard index < actual.count else {
            return Result(
              name: name, opTypes: opTypes, outcome: .failed("output \(index) is missing"))
          }
          if let problem = compare(actual[index], reference.floats) {
            return Result(
              name: name, opTypes: opTypes, outcome: .failed("\(set), output \(index): \(problem)"))
          }
        }
      }
      return Result(name: name, opTypes: opTypes, outcome: .passed)
    } catch {
      return Result(
        name: name, opTypes: opTypes,
        outcome: error.kind == .unsupported ? .unsupported(error.message) : .failed(error.message))
    }
  }

  /// The first element outside the tolerance, described, or nil.
  static func compare(_ actual: [Float], _ expected: [Float]) -> String? {
    guard actual.count == expected.count else {
      return "\(actual.count) values, expected \(expected.count)"
    }
    for i in actual.indices {
      let (a, e) = (actual[i], expected[i])
      if a.isNaN && e.isNaN { continue }
      if a == e { continue }
      guard abs(a - e) <= absoluteTolerance + relativeTolerance * abs(e) else {
        return "element \(i) is \(a), expected \(e)"
      }
    }
    return nil
  }

  private static func tensors(in folder: String, prefix: String) throws(ONNXError)
    -> [ONNXTensorData]
  {
    let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
      .filter { $0.hasPrefix(prefix) && $0.hasSuffix(".pb") }
      .sorted { index(of: $0) < index(of: $1) }
    return try files.map { (file: String) throws(ONNXError) -> ONNXTensorData in
      let path = folder + "/" + file
      guard let data = FileManager.default.contents(atPath: path) else {
        throw ONNXError("\(path): cannot read")
      }
      return try ONNXTensors.decode(data, source: path)
    }
  }

  private static func index(of file: String) -> Int {
    Int(file.split(separator: "_").last?.split(separator: ".").first ?? "") ?? 0
  }
}
