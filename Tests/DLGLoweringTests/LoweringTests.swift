import DLGGraph
import DLGLang
import DLGLowering
import Testing

/// Parses and lowers model text, returning the model or the diagnostics.
func lower(_ text: String) -> (model: Model?, diagnostics: [Diagnostic]) {
  let parsed = Parser.parse(SourceFile(path: "test.dlg", text: text))
  if parsed.diagnostics.contains(where: { $0.severity == .error }) {
    return (nil, parsed.diagnostics)
  }
  return ModelLowering.lower(parsed.model)
}

let fashionCNN = """
  neuralnet
    title Fashion-MNIST CNN
    image: Input[28, 28, 1]
    conv:  Conv2D[32, 3x3, relu]
    flat:  Flatten
    fc:    Dense[128, relu]
    out:   Dense[10]
    image --> conv --> flat --> fc --> out

  train
    data      idx("/data", split: "train", scale: 1/255)
    loss      softmax_cross_entropy(out, labels)
    optimizer Adam(lr: 0.001)
    batch     32
    epochs    2
    metrics   accuracy
  """

@Suite struct LoweringTests {
  @Test func fashionCNNShapes() throws {
    let (model, diagnostics) = lower(fashionCNN)
    #expect(diagnostics.isEmpty, "\(diagnostics)")
    let m = try #require(model)
    let shapes = m.layers.map { $0.outputType?.shapeDescription ?? "-" }
    #expect(shapes == ["N×28×28×1", "N×26×26×32", "N×21632", "N×128", "N×10"])
    #expect(m.parameterCount == 320 + 21632 * 128 + 128 + 1290)
    #expect(m.layers.map(\.parameterCount) == [0, 320, 0, 2_769_024, 1290])
    let training = try #require(m.training)
    #expect(training.batchSize == 32)
    #expect(training.epochs == 2)
    #expect(training.data?.scale == Float(1.0 / 255.0))
    guard case .adam(let adam) = training.optimizer else {
      Issue.record("expected Adam")
      return
    }
    #expect(adam.learningRate == 0.001)
    #expect(m.loss != nil)
    #expect(m.metrics.correct != nil)
    #expect(Set(m.inputs.keys) == ["image", "labels"])
  }

  @Test func sequentialModeChainsLayersInOrder() throws {
    let (model, diagnostics) = lower(
      """
      neuralnet sequential
        Input[4]
        Dense[8, relu]
        Dense[3]
      """)
    #expect(diagnostics.isEmpty, "\(diagnostics)")
    let m = try #require(model)
    #expect(m.layers.map(\.id) == ["input", "dense", "dense_2"])
    #expect(m.layers.last?.outputType == .batched([3]))
  }

  @Test func wrongChannelCountPointsAtTheLayerWithBothShapes() throws {
    let (model, diagnostics) = lower(
      """
      neuralnet
        image: Input[28, 28, 1]
        flat: Flatten
        conv: Conv2D[8, 3x3]
        image --> flat --> conv
      """)
    #expect(model == nil)
    let error = try #require(diagnostics.first { $0.code == "E301" })
    #expect(error.range?.start.line == 4)
    #expect(error.message.contains("N×784"))
  }

  @Test func kernelLargerThanInputIsAGraphError() throws {
    let (_, diagnostics) = lower(
      """
      neuralnet
        image: Input[2, 2, 1]
        conv: Conv2D[8, 3x3]
        image --> conv
      """)
    let error = try #require(diagnostics.first)
    #expect(error.code == "E301")
    #expect(error.notes.contains { $0.contains("N×2×2×1") })
  }

  @Test func misspelledLayerSuggestsTheRightOne() throws {
    let (_, diagnostics) = lower(
      """
      neuralnet
        x: Input[4]
        y: Dens[3]
        x --> y
      """)
    let error = try #require(diagnostics.first { $0.code == "E201" })
    #expect(error.help?.contains("Dense") == true)
    #expect(error.range?.start.line == 3)
    #expect(error.range?.start.column == 6)
  }

  @Test func undefinedNodeAndDuplicateAreBothReported() throws {
    let (_, diagnostics) = lower(
      """
      neuralnet
        x: Input[4]
        hidden: Dense[3]
        hidden: Dense[2]
        x --> hiden
      """)
    #expect(diagnostics.contains { $0.code == "E202" && $0.range?.start.line == 4 })
    let undefined = try #require(diagnostics.first { $0.code == "E203" })
    #expect(undefined.help?.contains("hidden") == true)
  }

  @Test func cycleIsReportedWithItsPath() throws {
    let (_, diagnostics) = lower(
      """
      neuralnet
        x: Input[4]
        a: Dense[4]
        b: Dense[4]
        x --> a --> b --> a
      """)
    let error = try #require(diagnostics.first { $0.code == "E204" })
    #expect(error.message.contains("a --> b --> a") || error.message.contains("b --> a --> b"))
  }

  @Test func unknownParameterAndTrainSettingSuggestFixes() throws {
    let (_, diagnostics) = lower(
      """
      neuralnet
        x: Input[8, 8, 1]
        c: Conv2D[4, 3x3, strides: 2]
        x --> c
      train
        loss softmax_cross_entropy(c, labels)
        epoch 3
      """)
    #expect(diagnostics.contains { $0.code == "E205" && $0.help?.contains("stride") == true })
    #expect(diagnostics.contains { $0.code == "E401" && $0.help?.contains("epochs") == true })
  }

  @Test func absurdShapeIsRefusedBeforeAllocation() throws {
    let (_, diagnostics) = lower(
      """
      neuralnet
        x: Input[100000000, 100000000]
      """)
    #expect(diagnostics.contains { $0.code == "E210" })
  }

  @Test func poolingShapes() throws {
    let (model, diagnostics) = lower(
      """
      neuralnet sequential
        Input[32, 32, 3]
        Conv2D[6, 5x5, relu]
        MaxPool2D[2x2]
        Conv2D[16, 5x5, relu]
        AvgPool2D[2x2, stride: 2]
        GlobalAvgPool2D
        Dense[10, sigmoid]
      """)
    #expect(diagnostics.isEmpty, "\(diagnostics)")
    let shapes = try #require(model).layers.map { $0.outputType?.shapeDescription ?? "-" }
    #expect(
      shapes == ["N×32×32×3", "N×28×28×6", "N×14×14×6", "N×10×10×16", "N×5×5×16", "N×16", "N×10"])
  }

  @Test func nonExecutableLayersLowerForDrawingButAreListed() throws {
    let (model, diagnostics) = lower(
      """
      neuralnet
        x: Input[28, 28, 1]
        p: Conv3D[16, 3]
        x --> p
      """)
    #expect(diagnostics.isEmpty)
    let m = try #require(model)
    #expect(ModelLowering.nonExecutableLayers(m).map(\.id) == ["p"])
  }
}

@Suite struct HugeShapeTests {
  @Test func overflowingParameterIsRefused() throws {
    let (_, diagnostics) = lower(
      """
      neuralnet
        x: Input[16000000]
        y: Dense[16000000]
        x --> y
      """)
    #expect(diagnostics.contains { $0.code == "E216" && $0.range?.start.line == 3 })
  }
}

@Suite struct ScheduleTests {
  @Test func schedulesParseAndGiveTheirFactors() throws {
    func schedule(_ text: String) -> (LearningRateSchedule?, [Diagnostic]) {
      let (model, diagnostics) = lower(
        "neuralnet\n  x: Input[2]\n  y: Dense[2]\n  x --> y\ntrain\n  loss softmax_cross_entropy(y, labels)\n  schedule \(text)\n"
      )
      return (model?.training?.schedule, diagnostics)
    }
    #expect(schedule("cosine(warmup: 10)").0 == .cosine(warmup: 10))
    #expect(schedule("step(every: 2, factor: 0.5)").0 == .step(every: 2, factor: 0.5))
    #expect(schedule("warmup(steps: 100)").0 == .warmup(steps: 100))
    #expect(schedule("linear").1.contains { $0.code == "E413" })
    let cosine = LearningRateSchedule.cosine(warmup: 10)
    #expect(cosine.factor(step: 5, epoch: 1, totalSteps: 110) == 0.5)
    #expect(cosine.factor(step: 10, epoch: 1, totalSteps: 110) == 1)
    #expect(abs(cosine.factor(step: 60, epoch: 1, totalSteps: 110) - 0.5) < 1e-6)
    #expect(cosine.factor(step: 110, epoch: 1, totalSteps: 110) < 1e-6)
    let decay = LearningRateSchedule.step(every: 2, factor: 0.5)
    #expect(
      [1, 2, 3, 4, 5].map { decay.factor(step: 1, epoch: $0, totalSteps: 1) } == [
        1, 1, 0.5, 0.5, 0.25,
      ])
  }
}

@Suite struct SequenceLayerTests {
  @Test func textPipelineShapes() throws {
    let (model, diagnostics) = lower(
      """
      neuralnet
        words: i32[N, 100]
        embed: Embedding[10000, 16]
        conv:  Conv1D[32, 5, relu]
        pool:  MaxPool1D[2]
        glob:  GlobalMaxPool1D
        out:   Dense[1, sigmoid]
        words --> embed --> conv --> pool --> glob --> out
      """)
    #expect(diagnostics.isEmpty, "\(diagnostics)")
    let shapes = try #require(model).layers.map { $0.outputType?.shapeDescription ?? "-" }
    #expect(shapes == ["N×100", "N×100×16", "N×96×32", "N×48×32", "N×32", "N×1"])
    #expect(try #require(model).layers[1].parameterCount == 160_000)
    let (_, wrong) = lower("neuralnet\n  x: Input[10]\n  e: Embedding[5, 2]\n  x --> e\n")
    #expect(wrong.contains { $0.code == "E301" && $0.message.contains("integer ids") })
  }
}

/// Optimizers and schedules are tables whose arguments the layers' binder checks.
@Suite struct TrainingTableTests {
  func lowered(_ line: String) -> (TrainingConfig?, [Diagnostic]) {
    let (model, diagnostics) = lower(
      "neuralnet\n  x: Input[2]\n  y: Dense[2]\n  x --> y\ntrain\n  loss softmax_cross_entropy(y, labels)\n  \(line)\n"
    )
    return (model?.training, diagnostics)
  }

  @Test func optimizersBindTheirSettings() throws {
    guard case .adam(let adam)? = lowered("optimizer AdamW(lr: 0.01, beta2: 0.99)").0?.optimizer
    else {
      Issue.record("not Adam")
      return
    }
    #expect(adam.learningRate == 0.01 && adam.beta2 == 0.99 && adam.weightDecay == 0.01)
    guard
      case .sgd(let sgd)? = lowered("optimizer SGD(0.1, momentum: 0.9, nesterov: true)").0?
        .optimizer
    else {
      Issue.record("not SGD")
      return
    }
    #expect(sgd.learningRate == 0.1 && sgd.momentum == 0.9 && sgd.nesterov)
  }

  @Test func wrongSettingsAreLocatedWithTheFix() {
    let typo = lowered("optimizer SGD(lr: 0.1, momentun: 0.9)").1
    #expect(typo.contains { $0.code == "E205" && $0.help == "did you mean `momentum`?" })
    #expect(lowered("optimizer Adam(lr: -1)").1.contains { $0.code == "E207" })
    #expect(
      lowered("optimizer Adma").1.contains {
        $0.code == "E409" && $0.help?.contains("Adam") == true
      })
    let missing = lowered("schedule step(factor: 0.5)").1
    #expect(missing.contains { $0.code == "E206" && $0.help?.contains("every:") == true })
  }
}

/// The Transpose layer reorders sample axes and says what is wrong with a bad permutation.
@Suite struct TransposeLayerTests {
  @Test func reordersSampleAxes() throws {
    let (model, diagnostics) = lower(
      "neuralnet\n  x: Input[4, 6]\n  t: Transpose[2, 1]\n  n: LayerNorm\n  x --> t --> n\n")
    #expect(diagnostics.isEmpty, "\(diagnostics)")
    let m = try #require(model)
    #expect(m.layers.last?.outputType == .batched([6, 4]))
  }

  @Test func aBadPermutationIsLocated() {
    let (_, diagnostics) = lower(
      "neuralnet\n  x: Input[4, 6]\n  t: Transpose[1, 1]\n  x --> t\n")
    #expect(diagnostics.contains { $0.code == "E301" && $0.range?.start.line == 3 })
  }
}
