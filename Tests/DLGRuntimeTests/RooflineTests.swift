import DLGGraph
import DLGKernels
import DLGRuntime
import DLGTestSupport
import Testing

/// The least work of a plan's nodes, and the least time it takes against a machine's peaks.
struct RooflineTests {
  /// A machine with round numbers: 100 GFLOP/s, 400 GB/s within 1 MiB, 100 GB/s within
  /// 16 MiB, 20 GB/s beyond.
  static let machine = MachinePeak(
    cpu: "test", threads: 2, vectorLanes: 8, flopsPerSecond: 100e9,
    bandwidths: [
      MachinePeak.Bandwidth(workingSetBytes: 16 << 20, bytesPerSecond: 100e9),
      MachinePeak.Bandwidth(workingSetBytes: 1 << 20, bytesPerSecond: 400e9),
      MachinePeak.Bandwidth(workingSetBytes: 512 << 20, bytesPerSecond: 20e9),
    ], sgemmFlopsPerSecond: 80e9, measured: "2026-12-04T00:00:00Z")

  @Test func bandwidthIsThatOfTheSmallestWorkingSetHoldingTheBytes() {
    let machine = Self.machine
    #expect(machine.bandwidths.map(\.workingSetBytes) == [1 << 20, 16 << 20, 512 << 20])
    #expect(machine.bytesPerSecond(moving: 1000) == 400e9)
    #expect(machine.bytesPerSecond(moving: 1 << 20) == 400e9)
    #expect(machine.bytesPerSecond(moving: (1 << 20) + 1) == 100e9)
    #expect(machine.bytesPerSecond(moving: 1 << 30) == 20e9)
  }

  @Test func leastTimeIsTheSlowerOfArithmeticAndBytes() {
    let machine = Self.machine
    // 1 GFLOP over 1 MB from L2: arithmetic bound, 10 ms.
    #expect(abs(machine.seconds(flops: 1_000_000_000, bytes: 1_000_000) - 0.01) < 1e-12)
    // 1 MFLOP over 200 MB from memory: bandwidth bound, 10 ms.
    #expect(abs(machine.seconds(flops: 1_000_000, bytes: 200_000_000) - 0.01) < 1e-12)
  }

  /// A Dense product and a ReLU at batch 8: the product's FLOPs, and every input and output
  /// once (the weight too, which is read every step).
  @Test func nodeCostsCountProductsAndEveryTensorOnce() throws {
    var graph = Graph()
    let x = graph.addInput("x", .batched([64]))
    let w = graph.addParameter(
      "w", .fixed([64, 32]), initializer: .glorotUniform(fanIn: 64, fanOut: 32))
    let y = try graph.applySingleOutput(MatMul(), [x, w], name: "product")
    let r = try graph.applySingleOutput(ReLU(), [y], name: "relu")
    let squared = try graph.applySingleOutput(Multiply(), [r, r], name: "square")
    let flat = try graph.applySingleOutput(Reshape([.batch, .fixed(32)]), [squared], name: "view")
    var random = TestRandom(1)
    let store = ParameterStore()
    store.allocate(for: graph, using: &random)
    let plan = Executable(graph: graph, batchSize: 8, fetches: [flat], store: store)
    func index(_ name: String) throws -> Int {
      try #require(plan.graph.nodes.firstIndex { $0.name == name })
    }
    let product = plan.rooflineCost(ofNode: try index("product"))
    #expect(product.flops == 2 * 8 * 64 * 32)
    #expect(product.bytes == (8 * 64 + 64 * 32 + 8 * 32) * 4)
    #expect(
      plan.rooflineCost(ofNode: try index("relu")) == RooflineCost(flops: 0, bytes: 2 * 8 * 32 * 4))
    // r · r reads r once.
    #expect(plan.rooflineCost(ofNode: try index("square")).bytes == 2 * 8 * 32 * 4)
    // A view moves nothing.
    #expect(plan.rooflineCost(ofNode: try index("view")) == RooflineCost(flops: 0, bytes: 0))
    let total = plan.graph.nodes.indices.reduce(0.0) {
      $0 + plan.rooflineCost(ofNode: $1).seconds(on: Self.machine)
    }
    #expect(plan.rooflineSeconds(on: Self.machine) == total)
    #expect(total > 0)
  }

  /// The probes run and report plausible, positive rates (no timing is asserted).
  @Test func measuringGivesPositivePeaks() {
    let peak = MachinePeak.measure(threads: 1)
    #expect(peak.threads == 1)
    #expect([1, 8, 16].contains(peak.vectorLanes))
    #expect(peak.flopsPerSecond > 0 && peak.flopsPerSecond.isFinite)
    #expect(peak.bandwidths.count == 3 && peak.bandwidths.allSatisfy { $0.bytesPerSecond > 0 })
    #expect(peak.sgemmFlopsPerSecond > 0)
  }
}
