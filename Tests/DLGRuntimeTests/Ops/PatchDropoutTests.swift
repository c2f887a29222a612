import DLGGraph
import DLGRuntime
import DLGTestSupport
import Testing

// Patch dropout in training mode: the same mask forward and backward.

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    .op(
      PatchDropout(rate: 0.5, patchHeight: 2, patchWidth: 2, salt: 3), inputs: [[2, 4, 5, 3]],
      trainingMode: true))
}

/// Which values a patch mask keeps: whole patches, all their channels, about the asked share.
struct PatchDropoutTests {
  @Test func wholePatchesAreDroppedAndTheRestScaled() throws {
    let (n, h, w, c) = (8, 12, 10, 3)
    var graph = Graph()
    let x = graph.addInput("x", TensorType(.float32, [.batch, .fixed(h), .fixed(w), .fixed(c)]))
    let y = try graph.apply(
      PatchDropout(rate: 0.25, patchHeight: 4, patchWidth: 3, salt: 9), [x], name: "drop")[0]
    let store = ParameterStore()
    var random = TestRandom(3)
    store.allocate(for: graph, using: &random)
    let plan = Executable(graph: graph, batchSize: n, fetches: [y], store: store)
    let xs = try #require(plan.buffer(x))
    func run(training: Bool) throws -> [Float] {
      for i in 0..<xs.count { xs.floats[i] = 1 }
      plan.run(RuntimeContext(step: 1, training: training))
      let out = try #require(plan.buffer(y))
      return Array(UnsafeBufferPointer(start: out.floats, count: out.count))
    }
    let out = try run(training: true)
    var dropped = 0
    var patches = 0
    for sample in 0..<n {
      // The 10-wide rows split into patches of 3, 3, 3 and a last one of 1.
      for row in stride(from: 0, to: h, by: 4) {
        for column in stride(from: 0, to: w, by: 3) {
          var values = Set<Float>()
          for y in row..<min(row + 4, h) {
            for x in column..<min(column + 3, w) {
              for ch in 0..<c { values.insert(out[((sample * h + y) * w + x) * c + ch]) }
            }
          }
          #expect(values == [0] || values == [Float(1) / 0.75], "\(values)")
          patches += 1
          if values == [0] { dropped += 1 }
        }
      }
    }
    #expect(patches == 8 * 3 * 4)
    #expect((12...36).contains(dropped), "\(dropped) of \(patches) patches dropped")
    #expect(try run(training: false).allSatisfy { $0 == 1 })
  }
}
