import DLGGraph
import DLGRuntime
import DLGTestSupport
import Testing

/// The tensor ops' values against loops written out here, on odd sizes and on 1, 2 and 3
/// threads (the gradient cases check their gradients).
@Suite(.serialized) struct TensorOpValueTests {
  /// Runs `op` on inputs of the given shapes filled with seeded values; returns the inputs
  /// and the output.
  static func run(_ op: any Operator, _ shapes: [[Int]], threads: Int = 2) throws
    -> (inputs: [[Float]], output: [Float])
  {
    var graph = Graph()
    let inputs = shapes.enumerated().map { graph.addInput("x\($0.offset)", .fixed($0.element)) }
    let y = try graph.applySingleOutput(op, inputs, name: "op")
    return try withThreadBudget(threads) {
      let store = ParameterStore()
      var random = TestRandom(1)
      store.allocate(for: graph, using: &random)
      let plan = Executable(graph: graph, batchSize: 1, fetches: [y], store: store)
      var values: [[Float]] = []
      var generator = TestRandom(9)
      for input in inputs {
        let buffer = try #require(plan.buffer(input))
        let data = generator.floats(buffer.count)
        for i in data.indices { buffer.floats[i] = data[i] }
        values.append(data)
      }
      plan.run(RuntimeContext(step: 1, training: false))
      let out = try #require(plan.buffer(y))
      return (values, Array(UnsafeBufferPointer(start: out.floats, count: out.count)))
    }
  }

  @Test(arguments: [1, 2, 3]) func transposeMovesEveryElement(threads: Int) throws {
    let (d0, d1, d2, d3) = (2, 3, 5, 7)
    let (inputs, y) = try Self.run(Transpose([0, 2, 1, 3]), [[d0, d1, d2, d3]], threads: threads)
    let x = inputs[0]
    for a in 0..<d0 {
      for b in 0..<d1 {
        for c in 0..<d2 {
          for d in 0..<d3 {
            // y[a, c, b, d] = x[a, b, c, d]
            #expect(y[((a * d2 + c) * d1 + b) * d3 + d] == x[((a * d1 + b) * d2 + c) * d3 + d])
          }
        }
      }
    }
    let (rotated, z) = try Self.run(Transpose([2, 0, 1]), [[3, 4, 5]], threads: threads)
    for i in 0..<3 {
      for j in 0..<4 {
        for k in 0..<5 { #expect(z[(k * 3 + i) * 4 + j] == rotated[0][(i * 4 + j) * 5 + k]) }
      }
    }
  }

  @Test(arguments: [1, 2, 3]) func batchedProductsMatchLoops(threads: Int) throws {
    let (batches, m, k, n) = (6, 3, 5, 4)
    let (inputs, y) = try Self.run(
      BatchedMatMul(transposeB: true), [[2, 3, m, k], [2, 3, n, k]], threads: threads)
    for batch in 0..<batches {
      for i in 0..<m {
        for j in 0..<n {
          var sum: Float = 0
          for p in 0..<k {
            sum += inputs[0][(batch * m + i) * k + p] * inputs[1][(batch * n + j) * k + p]
          }
          #expect(abs(y[(batch * m + i) * n + j] - sum) < 1e-5)
        }
      }
    }
  }

  @Test func reductionsAndBroadcastsAlongAnAxis() throws {
    let (inputs, y) = try Self.run(ReduceSum(axis: 1), [[2, 3, 4]])
    for a in 0..<2 {
      for c in 0..<4 {
        let sum = (0..<3).reduce(Float(0)) { $0 + inputs[0][(a * 3 + $1) * 4 + c] }
        #expect(abs(y[a * 4 + c] - sum) < 1e-6)
      }
    }
    let (small, b) = try Self.run(Broadcast(axis: -1, size: 3), [[2, 1]])
    #expect(b == [small[0][0], small[0][0], small[0][0], small[0][1], small[0][1], small[0][1]])
  }

  @Test func concatAndSliceAlongAMiddleAxis() throws {
    let (inputs, y) = try Self.run(Concat(axis: 1), [[2, 1, 3], [2, 2, 3]])
    for a in 0..<2 {
      #expect(Array(y[(a * 3) * 3..<(a * 3 + 1) * 3]) == Array(inputs[0][a * 3..<(a + 1) * 3]))
      #expect(Array(y[(a * 3 + 1) * 3..<(a * 3 + 3) * 3]) == Array(inputs[1][a * 6..<(a + 1) * 6]))
    }
    let (whole, part) = try Self.run(Slice(axis: 1, offset: 1, width: 2), [[2, 3, 2]])
    #expect(part == [whole[0][2], whole[0][3], whole[0][4], whole[0][5]] + Array(whole[0][8..<12]))
  }

  @Test(arguments: [true, false]) func layerAndRMSNormalization(centered: Bool) throws {
    let (rows, width) = (6, 5)
    let shapes = [[2, 3, width], [width]] + (centered ? [[width]] : [])
    let (inputs, y) = try Self.run(LayerNorm(epsilon: 1e-5, centered: centered), shapes)
    for r in 0..<rows {
      let row = inputs[0][r * width..<(r + 1) * width].map(Double.init)
      let mean = centered ? row.reduce(0, +) / Double(width) : 0
      let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(width)
      for j in 0..<width {
        let normalized = (row[j] - mean) / (variance + 1e-5).squareRoot()
        let expected =
          Double(inputs[1][j]) * normalized + (centered ? Double(inputs[2][j]) : 0)
        #expect(abs(Double(y[r * width + j]) - expected) < 1e-5)
      }
    }
  }

  /// Sizes large enough that every op splits into several parts: 1 and 3 threads give the
  /// same bits (the multi-index each part starts from, the split reductions).
  @Test func largeTensorsGiveTheSameBitsOnAnyThreadCount() throws {
    let cases: [(any Operator, [[Int]])] = [
      (Transpose([0, 2, 1, 3]), [[2, 64, 33, 17]]), (Transpose([2, 0, 1]), [[40, 30, 50]]),
      (ReduceSum(axis: 1), [[64, 40, 33]]), (ReduceSum(axis: -1), [[256, 300]]),
      (Broadcast(axis: 1, size: 40), [[64, 1, 33]]),
      (BatchedMatMul(transposeA: true), [[32, 16, 24], [32, 16, 20]]),
      (Concat(axis: 1), [[64, 20, 33], [64, 30, 33]]),
    ]
    for (op, shapes) in cases {
      let one = try Self.run(op, shapes, threads: 1).output
      let three = try Self.run(op, shapes, threads: 3).output
      #expect(one == three, "\(op.opType) \(shapes)")
    }
    // And the transpose is right in every part, not only the first.
    let (inputs, y) = try Self.run(Transpose([0, 2, 1, 3]), [[2, 64, 33, 17]], threads: 3)
    var wrong = 0
    for a in 0..<2 {
      for b in 0..<64 {
        for c in 0..<33 {
          for d in 0..<17
          where y[((a * 33 + c) * 64 + b) * 17 + d]
            != inputs[0][((a * 64 + b) * 33 + c) * 17 + d]
          {
            wrong += 1
          }
        }
      }
    }
    #expect(wrong == 0)
  }

  /// `[N, T, D] · [D, U]` multiplies every row; `[N, T, D]ᵀ · [N, T, U]` sums over all rows.
  @Test func productsOverTheRowsOfASequence() throws {
    let (inputs, y) = try Self.run(MatMul(), [[2, 3, 4], [4, 5]])
    for row in 0..<6 {
      for j in 0..<5 {
        let expected = (0..<4).reduce(Float(0)) {
          $0 + inputs[0][row * 4 + $1] * inputs[1][$1 * 5 + j]
        }
        #expect(abs(y[row * 5 + j] - expected) < 1e-5)
      }
    }
    let (pair, z) = try Self.run(MatMul(transposeA: true), [[2, 3, 4], [2, 3, 5]])
    for i in 0..<4 {
      for j in 0..<5 {
        let expected = (0..<6).reduce(Float(0)) { $0 + pair[0][$1 * 4 + i] * pair[1][$1 * 5 + j] }
        #expect(abs(z[i * 5 + j] - expected) < 1e-5)
      }
    }
  }

  @Test func shapeRulesSayWhatIsWrong() {
    var graph = Graph()
    let x = graph.addInput("x", .batched([3, 4]))
    #expect(throws: GraphError.self) {
      try graph.applySingleOutput(Transpose([1, 0, 2]), [x], name: "moves N")
    }
    #expect(throws: GraphError.self) {
      try graph.applySingleOutput(Transpose([0, 1]), [x], name: "too few axes")
    }
    #expect(throws: GraphError.self) {
      try graph.applySingleOutput(ReduceSum(axis: 0), [x], name: "the batch axis")
    }
    let a = graph.addInput("a", .fixed([2, 3, 4]))
    let b = graph.addInput("b", .fixed([2, 5, 6]))
    #expect(throws: GraphError.self) {
      try graph.applySingleOutput(BatchedMatMul(), [a, b], name: "inner sizes differ")
    }
  }
}
