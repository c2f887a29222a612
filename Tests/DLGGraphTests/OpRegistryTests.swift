import DLGGraph
import Foundation
import Testing

/// The op registry: every op registers itself under a stable type, ops compare by their
/// attributes, and they survive being written as JSON and read back.
@Suite struct OpRegistryTests {
  @Test func everyOpOfTheIRIsRegisteredUnderItsOwnType() throws {
    let types = OpRegistry.all.map { $0.opType }
    for expected in ["Conv2D", "MatMul", "ReLU", "FusedElementwise", "Assign", "Dropout"] {
      #expect(types.contains(expected), "\(expected) is not registered")
    }
    #expect(types.count >= 40)
    #expect(Set(types).count == types.count)
    for type in OpRegistry.all {
      #expect(OpRegistry.type(named: type.opType) == type)
    }
  }

  @Test func opsAreComparedByTheirAttributes() {
    let a = Conv2D(Conv2DAttributes(kernel: (3, 3)))
    let b = Conv2D(Conv2DAttributes(kernel: (3, 3)))
    let c = Conv2D(Conv2DAttributes(kernel: (3, 3), padding: .same))
    #expect(a.isSame(as: b))
    #expect(!a.isSame(as: c))
    #expect(!a.isSame(as: ReLU()))
    #expect(AnyHashable(a) == AnyHashable(b))
  }

  @Test func opsRoundTripThroughJSON() throws {
    var program = ElementwiseProgram()
    let x = program.emit(.input(0))
    program.results = [program.emit(.relu(x))]
    let ops: [any Operator] = [
      Conv2D(Conv2DAttributes(kernel: (5, 3), stride: (2, 1), padding: .same)),
      MatMul(transposeA: true), Dropout(rate: 0.25, salt: 42), ReLU(),
      FusedElementwise(
        program: program, fused: ["ReLU"], resultTypes: [.fixed([4])], overwritableInput: 0),
    ]
    for op in ops {
      let data = try JSONEncoder().encode(OpRecord(op))
      let text = String(decoding: data, as: UTF8.self)
      #expect(text.contains("\"opType\":\"\(op.opType)\""))
      let back = try JSONDecoder().decode(OpRecord.self, from: data).op
      #expect(back.isSame(as: op), "\(text)")
    }
  }

  @Test func anUnknownOpTypeIsAnErrorNotACrash() {
    let json = Data(#"{"opType": "NoSuchOp", "attributes": {}}"#.utf8)
    #expect(throws: DecodingError.self) { try JSONDecoder().decode(OpRecord.self, from: json) }
  }

  @Test func descriptionsNameInputsAndOutputs() throws {
    let conv = OpRegistry.describe(try #require(OpRegistry.type(named: "Conv2D")))
    #expect(conv.inputs == ["x", "filter"])
    #expect(conv.differentiable)
    let gradient = OpRegistry.describe(try #require(OpRegistry.type(named: "ReLUGradient")))
    #expect(!gradient.differentiable)
  }

  /// Attributes read from a file are checked before any kernel sees them.
  @Test(arguments: [
    #"{"opType": "Conv2D", "attributes": {"attributes": {"kernelHeight": 3, "kernelWidth": 3, "strideHeight": 0, "strideWidth": 1, "padding": "valid"}}}"#,
    #"{"opType": "ClipByGlobalNorm", "attributes": {"maxNorm": 1, "gradientCount": -1}}"#,
    #"{"opType": "Dropout", "attributes": {"rate": 1.5, "salt": 1}}"#,
    #"{"opType": "Reshape", "attributes": {"shape": [{"fixed": {"_0": -4}}]}}"#,
    #"{"opType": "FusedElementwise", "attributes": {"program": {"instructions": [{"add": {"_0": 0, "_1": 7}}], "results": [0], "stores": []}, "fused": [], "resultTypes": []}}"#,
  ])
  func hostileAttributesAreRefused(json: String) {
    do {
      _ = try JSONDecoder().decode(OpRecord.self, from: Data(json.utf8))
      Issue.record("decoded: \(json)")
    } catch DecodingError.dataCorrupted(let context) {
      // Refused by the attribute check, not by a fixture that no longer matches the op.
      #expect(context.codingPath.last?.stringValue == "attributes", "\(context)")
    } catch {
      Issue.record("not refused by the attribute check: \(error)")
    }
  }

  /// The fingerprint checkpoints record: what the graph computes up to the given outputs,
  /// pinned, so a change to how ops encode is noticed (and `fingerprintVersion` bumped).
  @Test func fingerprintsAreStableAndCoverOnlyWhatTheOutputsNeed() throws {
    func graph(_ activation: any Operator, metric: Bool) throws -> (Graph, ValueID) {
      var graph = Graph()
      let x = graph.addInput("x", .batched([3]))
      let w = graph.addParameter("w", .fixed([3, 2]), initializer: .zeros)
      let y = try graph.applySingleOutput(
        activation, [try graph.applySingleOutput(MatMul(), [x, w], name: "mm")], name: "act")
      if metric { _ = try graph.applySingleOutput(PredictedClass(), [y], name: "predicted") }
      return (graph, y)
    }
    let (plain, y) = try graph(ReLU(), metric: false)
    let (withMetric, y2) = try graph(ReLU(), metric: true)
    let (other, y3) = try graph(SmoothActivation(.tanh), metric: false)
    #expect(plain.fingerprint(of: [y]) == withMetric.fingerprint(of: [y2]))
    #expect(plain.fingerprint(of: [y]) != other.fingerprint(of: [y3]))
    #expect(plain.fingerprint(of: [y]) == "b81cd8cf545e03a6")
  }

  /// Every op type declared in the IR's sources is registered: an op file that forgets its
  /// Registration fails here, not when a model first uses it.
  @Test func everyDeclaredOpTypeIsRegistered() throws {
    let ops = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Sources/DLGGraph/Ops")
    let files = try #require(FileManager.default.enumerator(atPath: ops.path))
    var declared: [String] = []
    for case let file as String in files where file.hasSuffix(".swift") {
      let text = try String(contentsOf: ops.appendingPathComponent(file), encoding: .utf8)
      for line in text.split(separator: "\n") where line.contains("static let opType = \"") {
        let parts = line.split(separator: "\"", omittingEmptySubsequences: false)
        if parts.count >= 2 { declared.append(String(parts[1])) }
      }
    }
    #expect(declared.count >= 40)
    let missing = declared.filter { OpRegistry.type(named: $0) == nil }
    #expect(missing.isEmpty, "declared but not registered: \(missing)")
  }
}
