import DLGGraph
import DLGRuntime
import DLGTestSupport
import Foundation
import Testing

// Softmax cross-entropy against fixed labels: one per sample, or one per position of a
// sequence with some positions padded (label -1).

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    .classification(SoftmaxCrossEntropy(), rows: 4, columns: 5, labels: [0, 3, 4, 1]),
    .classification(
      SoftmaxCrossEntropy(), "per position, padded", rows: 2, positions: 3, columns: 4,
      labels: [0, 3, -1, 2, -1, 1]))
}

@Suite struct SequenceCrossEntropyTests {
  /// The loss of `[N, T, C]` logits is the mean over labelled positions of each position's own
  /// cross-entropy: padded positions change neither the sum nor the count.
  @Test func meanOverLabelledPositions() throws {
    var graph = Graph()
    let logits = graph.addInput("logits", TensorType(.float32, [.batch, .fixed(2), .fixed(3)]))
    let labels = graph.addInput("labels", TensorType(.int32, [.batch, .fixed(2)]))
    let loss = try graph.applySingleOutput(SoftmaxCrossEntropy(), [logits, labels], name: "loss")
    let correct = try graph.applySingleOutput(CorrectCount(), [logits, labels], name: "correct")
    let plan = Executable(
      graph: graph, batchSize: 2, fetches: [loss, correct], store: ParameterStore())
    let x: [Float] = [1, 2, 3, 0, 0, 5, 2, 1, 0, 9, 9, 9]
    let y: [Int32] = [2, 0, 0, -1]
    for (i, v) in x.enumerated() { plan.buffer(logits)!.floats[i] = v }
    for (i, v) in y.enumerated() { plan.buffer(labels)!.ints[i] = v }
    plan.run(RuntimeContext(step: 1, training: false))
    func rowLoss(_ row: [Float], _ label: Int) -> Double {
      let top = row.max()!
      let sum = row.reduce(0.0) { $0 + exp(Double($1 - top)) }
      return log(sum) + Double(top) - Double(row[label])
    }
    let expected =
      (rowLoss([1, 2, 3], 2) + rowLoss([0, 0, 5], 0) + rowLoss([2, 1, 0], 0)) / 3
    #expect(abs(Double(plan.buffer(loss)!.floats.pointee) - expected) < 1e-5)
    // Rows 0 and 2 are right; row 1 is wrong; row 3 has no label.
    #expect(plan.buffer(correct)!.floats.pointee == 2)
  }

  @Test func labelsMustMatchTheRowsOfLogits() {
    var graph = Graph()
    let logits = graph.addInput("logits", TensorType(.float32, [.batch, .fixed(4), .fixed(3)]))
    let labels = graph.addInput("labels", TensorType(.int32, [.batch]))
    #expect(throws: GraphError.self) {
      _ = try graph.applySingleOutput(SoftmaxCrossEntropy(), [logits, labels], name: "loss")
    }
  }
}
