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
}
