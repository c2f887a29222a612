import DLGGraph
import Testing

/// A finite-difference gradient check for every differentiable op.
@Suite struct OpGradientTests {
  @Test func matMulAllTransposes() throws {
    for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
      var graph = Graph()
      let a = graph.addParameter(
        "a", .fixed(ta ? [4, 3] : [3, 4]), initializer: .heUniform(fanIn: 4))
      let b = graph.addParameter(
        "b", .fixed(tb ? [5, 4] : [4, 5]), initializer: .heUniform(fanIn: 4))
      let y = try graph.apply1(MatMul(transposeA: ta, transposeB: tb), [a, b], name: "mm")
      #expect(graph[y].type == .fixed([3, 5]))
      let error = try GradientChecker(graph: graph, output: y).check()
      #expect(error < 2e-2, "transposes \(ta) \(tb): relative error \(error)")
    }
  }

  @Test func biasAddAndReLU() throws {
    var graph = Graph()
    let x = graph.addParameter("x", .fixed([6, 5]), initializer: .heUniform(fanIn: 2))
    let b = graph.addParameter("b", .fixed([5]), initializer: .heUniform(fanIn: 2))
    let y = try graph.apply1(BiasAdd(), [x, b], name: "bias")
    let r = try graph.apply1(ReLU(), [y], name: "relu")
    let error = try GradientChecker(graph: graph, output: r).check(epsilon: 1e-3)
    #expect(error < 2e-2)
  }

  @Test(arguments: [
    Conv2DAttributes(kernel: (3, 3)),
    Conv2DAttributes(kernel: (3, 3), stride: (2, 2), padding: .same),
    Conv2DAttributes(kernel: (2, 3), stride: (1, 2), padding: .valid),
  ])
  func conv2D(_ attributes: Conv2DAttributes) throws {
    var graph = Graph()
    let x = graph.addParameter("x", .fixed([2, 6, 7, 3]), initializer: .heUniform(fanIn: 3))
    let w = graph.addParameter(
      "w", .fixed([attributes.kernelHeight, attributes.kernelWidth, 3, 4]),
      initializer: .heUniform(fanIn: 9))
    let y = try graph.apply1(Conv2D(attributes), [x, w], name: "conv")
    let error = try GradientChecker(graph: graph, output: y).check()
    #expect(error < 2e-2)
  }

  @Test(arguments: [Pool2D.Kind.max, .average])
  func pooling(_ kind: Pool2D.Kind) throws {
    for window in [
      Conv2DAttributes(kernel: (2, 2), stride: (2, 2)),
      Conv2DAttributes(kernel: (3, 3), stride: (2, 2), padding: .same),
    ] {
      var graph = Graph()
      let x = graph.addParameter("x", .fixed([2, 5, 6, 3]), initializer: .heUniform(fanIn: 1))
      let y = try graph.apply1(Pool2D(kind, window: window), [x], name: "pool")
      let error = try GradientChecker(graph: graph, output: y).check(epsilon: 1e-3)
      #expect(error < 2e-2, "\(kind) \(window)")
    }
  }

  @Test(arguments: [SmoothActivation.Kind.sigmoid, .tanh])
  func smoothActivations(_ kind: SmoothActivation.Kind) throws {
    var graph = Graph()
    let x = graph.addParameter("x", .fixed([3, 7]), initializer: .heUniform(fanIn: 1))
    let y = try graph.apply1(SmoothActivation(kind), [x], name: "act")
    let error = try GradientChecker(graph: graph, output: y).check(epsilon: 1e-3)
    #expect(error < 2e-2)
  }

  @Test func meanSquaredError() throws {
    var graph = Graph()
    let p = graph.addParameter("p", .fixed([3, 2]), initializer: .heUniform(fanIn: 1))
    let t = graph.addInput("t", .fixed([3, 2]))
    let loss = try graph.apply1(MeanSquaredError(), [p, t], name: "mse")
    var checker = GradientChecker(graph: graph, output: loss)
    checker.fixedInputs = [
      (t, { buffer in for i in 0..<6 { buffer.floats[i] = Float(i) / 4 - 0.5 } })
    ]
    #expect(try checker.check(epsilon: 1e-3) < 2e-2)
  }

  @Test func gelu() throws {
    var graph = Graph()
    let x = graph.addParameter("x", .fixed([4, 5]), initializer: .heUniform(fanIn: 1))
    let y = try graph.apply1(GELU(), [x], name: "gelu")
    #expect(try GradientChecker(graph: graph, output: y).check(epsilon: 1e-3) < 2e-2)
  }

  @Test func embeddingTableGradient() throws {
    var graph = Graph()
    let ids = graph.addInput("ids", TensorType(.int32, [.fixed(2), .fixed(3)]))
    let table = graph.addParameter("table", .fixed([5, 4]), initializer: .heUniform(fanIn: 1))
    let y = try graph.apply1(EmbeddingLookup(), [ids, table], name: "embed")
    #expect(graph[y].type == .fixed([2, 3, 4]))
    var checker = GradientChecker(graph: graph, output: y)
    checker.fixedInputs = [
      (
        ids,
        { buffer in for (i, id) in [Int32(0), 3, 3, 4, 1, 7].enumerated() { buffer.ints[i] = id } }
      )
    ]
    #expect(try checker.check(epsilon: 1e-3) < 2e-2)
  }

  @Test func binaryCrossEntropy() throws {
    var graph = Graph()
    let logits = graph.addParameter("logits", .fixed([5, 1]), initializer: .heUniform(fanIn: 1))
    let labels = graph.addInput("labels", TensorType(.int32, [.fixed(5)]))
    let loss = try graph.apply1(BinaryCrossEntropyLoss(), [logits, labels], name: "bce")
    var checker = GradientChecker(graph: graph, output: loss)
    checker.fixedInputs = [
      (
        labels,
        { buffer in for (i, y) in [Int32(0), 1, 1, 0, 1].enumerated() { buffer.ints[i] = y } }
      )
    ]
    #expect(try checker.check(epsilon: 1e-3) < 2e-2)
  }

  @Test func concatAndItsSlices() throws {
    var graph = Graph()
    let a = graph.addParameter("a", .fixed([3, 2]), initializer: .heUniform(fanIn: 1))
    let b = graph.addParameter("b", .fixed([3, 4]), initializer: .heUniform(fanIn: 1))
    let c = graph.addParameter("c", .fixed([3, 1]), initializer: .heUniform(fanIn: 1))
    let y = try graph.apply1(Concat(), [a, b, c], name: "concat")
    #expect(graph[y].type == .fixed([3, 7]))
    #expect(try GradientChecker(graph: graph, output: y).check(epsilon: 1e-3) < 2e-2)
  }

  @Test func dropoutAndMultiply() throws {
    var graph = Graph()
    let x = graph.addParameter("x", .fixed([4, 9]), initializer: .heUniform(fanIn: 1))
    let w = graph.addParameter("w", .fixed([4, 9]), initializer: .heUniform(fanIn: 1))
    let dropped = try graph.apply(Dropout(rate: 0.5, salt: 3), [x], name: "drop")[0]
    let y = try graph.apply1(Multiply(), [dropped, w], name: "mul")
    var checker = GradientChecker(graph: graph, output: y)
    checker.trainingMode = true
    #expect(try checker.check(epsilon: 1e-3) < 2e-2)
  }

  @Test func reshapeIsAViewWithAGradient() throws {
    var graph = Graph()
    let x = graph.addParameter("x", .fixed([2, 3, 4]), initializer: .heUniform(fanIn: 2))
    let r = try graph.apply1(Reshape([.fixed(6), .fixed(4)]), [x], name: "reshape")
    let w = graph.addParameter("w", .fixed([4, 2]), initializer: .heUniform(fanIn: 2))
    let y = try graph.apply1(MatMul(), [r, w], name: "mm")
    let error = try GradientChecker(graph: graph, output: y).check()
    #expect(error < 2e-2)
  }

  @Test func addAccumulatesGradientsOfSharedInputs() throws {
    var graph = Graph()
    let x = graph.addParameter("x", .fixed([3, 4]), initializer: .heUniform(fanIn: 2))
    let y = try graph.apply1(Add(), [x, x], name: "double")
    let z = try graph.apply1(ReLU(), [y], name: "relu")
    let error = try GradientChecker(graph: graph, output: z).check(epsilon: 1e-3)
    #expect(error < 2e-2)
  }

  @Test func softmaxCrossEntropy() throws {
    var graph = Graph()
    let logits = graph.addParameter("logits", .fixed([4, 5]), initializer: .heUniform(fanIn: 1))
    let labels = graph.addInput("labels", TensorType(.int32, [.fixed(4)]))
    let loss = try graph.apply1(SoftmaxCrossEntropy(), [logits, labels], name: "xent")
    var checker = GradientChecker(graph: graph, output: loss)
    checker.fixedInputs = [
      (
        labels,
        { buffer in
          for (i, label) in [Int32(0), 3, 4, 1].enumerated() { buffer.ints[i] = label }
        }
      )
    ]
    let error = try checker.check()
    #expect(error < 2e-2)
  }

  /// Batch normalization with batch statistics, on a dense batch and on NHWC images; γ and β
  /// random so their gradients are not trivially 0 or 1.
  @Test(arguments: [[6, 5], [2, 3, 3, 4]])
  func batchNorm(shape: [Int]) throws {
    var graph = Graph()
    let channels = shape.last!
    let x = graph.addParameter("x", .fixed(shape), initializer: .heUniform(fanIn: 1))
    let gamma = graph.addParameter("gamma", .fixed([channels]), initializer: .heUniform(fanIn: 1))
    let beta = graph.addParameter("beta", .fixed([channels]), initializer: .heUniform(fanIn: 1))
    let mean = graph.addStatistic("mean", .fixed([channels]), initializer: .zeros)
    let variance = graph.addStatistic("variance", .fixed([channels]), initializer: .ones)
    let y = try graph.apply(BatchNorm(), [x, gamma, beta, mean, variance], name: "bn")[0]
    var checker = GradientChecker(graph: graph, output: y)
    checker.trainingMode = true
    let error = try checker.check(epsilon: 1e-3)
    #expect(error < 2e-2)
  }
}
