import DLGGraph
import DLGLang
import DLGLowering
import Testing

/// `Softmax[axis:]`: the last axis by default, another by transposing around the op, and the
/// batch axis refused at the layer's line.
@Suite struct SoftmaxLayerTests {
  func ops(_ layer: String) throws -> [String] {
    let (model, diagnostics) = lower("neuralnet sequential\n  Input[3, 4]\n  \(layer)\n")
    #expect(diagnostics.isEmpty, "\(diagnostics)")
    let graph = try #require(model).graph
    return graph.nodes.map { $0.op.opType }
  }

  @Test func lastAxisIsOneOp() throws {
    #expect(try ops("Softmax") == ["Softmax"])
    #expect(try ops("Softmax[axis: 2]") == ["Softmax"])
    #expect(try ops("Softmax[axis: -1]") == ["Softmax"])
  }

  @Test func anotherAxisIsMovedLastAndBack() throws {
    #expect(try ops("Softmax[axis: 1]") == ["Transpose", "Softmax", "Transpose"])
    let (model, _) = lower("neuralnet sequential\n  Input[3, 4]\n  Softmax[axis: -2]\n")
    #expect(model?.layers.last?.outputType == .batched([3, 4]))
  }

  @Test func theBatchAxisIsRefused() throws {
    let (_, diagnostics) = lower("neuralnet sequential\n  Input[3, 4]\n  Softmax[axis: 0]\n")
    #expect(diagnostics.first?.range?.start.line == 3)
    #expect(diagnostics.first?.help?.contains("sample axes are 1 to 2") == true)
  }
}
