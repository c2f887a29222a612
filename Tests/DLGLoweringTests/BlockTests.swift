import DLGGraph
import DLGLang
import DLGLowering
import Testing

@Suite struct BlockTests {
  static let blocks = """
    block ConvBlock(filters, kernel: 3x3)
      conv: Conv2D[filters, kernel, relu, padding: same]
      pool: MaxPool2D[2x2]
    end

    block Residual(width)
      a: Dense[width, relu]
      b: Dense[width]
      sum: Add
      out: ReLU
      in --> a --> b --> sum --> out
      in --> sum
    end

    """

  @Test func blocksInlineWithQualifiedIDsAndParameters() throws {
    let (model, diagnostics) = lower(
      Self.blocks + """
        neuralnet
          image: Input[16, 16, 1]
          stem: ConvBlock[4]
          more: ConvBlock[8, kernel: 5x5] * 2
          flat: Flatten
          res: Residual[32] * 2
          image --> stem --> more --> flat --> res
        """)
    #expect(diagnostics.isEmpty, "\(diagnostics)")
    let m = try #require(model)
    let ids = m.layers.map(\.id)
    #expect(ids.contains("stem.conv") && ids.contains("more.2.pool") && ids.contains("res.2.out"))
    let shapes = Dictionary(
      uniqueKeysWithValues: m.layers.map { ($0.id, $0.outputType?.shapeDescription ?? "-") })
    #expect(shapes["stem.pool"] == "N×8×8×4")
    #expect(shapes["more.1.pool"] == "N×4×4×8")
    #expect(shapes["more.2.pool"] == "N×2×2×8")
    #expect(shapes["res.2.out"] == "N×32")
    // The 5x5 kernel reached the convolution: 5·5·4·8 weights + 8 biases.
    #expect(m.layers.first { $0.id == "more.1.conv" }?.parameterCount == 5 * 5 * 4 * 8 + 8)
    #expect(m.layers.first { $0.id == "res.1.sum" }?.inputs.sorted() == ["flat", "res.1.b"])
    #expect(m.blockInstances.map(\.id) == ["stem", "more.1", "more.2", "res.1", "res.2"])
    #expect(m.layers.first { $0.id == "more.2.conv" }?.blockPath == ["more.2"])
    #expect(m.namedOutputs["res"] != nil)
  }

  @Test func blockMistakesAreReported() throws {
    let (_, diagnostics) = lower(
      Self.blocks + """
        block Loop(n)
          x: Loop[n]
        end
        neuralnet
          image: Input[16, 16, 1]
          a: ConvBlock[4, kernal: 5x5]
          b: ConvBlock
          c: Loop[1]
          d: ConvBlock[4] * 0
          image --> a
          image --> b
          image --> c
          image --> d
        """)
    #expect(diagnostics.contains { $0.code == "E205" && $0.help?.contains("kernel") == true })
    #expect(diagnostics.contains { $0.code == "E206" && $0.message.contains("filters") })
    #expect(diagnostics.contains { $0.code == "E217" && $0.message.contains("Loop → Loop") })
    #expect(diagnostics.contains { $0.code == "E218" })
  }

  @Test func unclosedBlockIsAParseError() {
    let result = Parser.parse(
      SourceFile(path: "b.dlg", text: "block A(x)\n  d: Dense[x]\nneuralnet\n  i: Input[2]\n"))
    #expect(result.diagnostics.contains { $0.code == "E110" })
  }
}

@Suite struct TypedInputAndSharingTests {
  @Test func typedInputsDeclareTheirElementType() throws {
    let (model, diagnostics) = lower(
      """
      neuralnet
        image: f32[N, 8, 8, 1]
        flat: Flatten
        out: Dense[3]
        image --> flat --> out
      """)
    #expect(diagnostics.isEmpty, "\(diagnostics)")
    let m = try #require(model)
    #expect(m.graph[try #require(m.input)].type == .batched([8, 8, 1]))
    let (_, wrong) = lower("neuralnet\n  ids: i32[N, 4]\n  out: Dense[3]\n  ids --> out\n")
    #expect(wrong.contains { $0.code == "E301" && $0.help?.contains("Embedding") == true })
    let (_, noBatch) = lower("neuralnet\n  x: f32[4]\n")
    #expect(noBatch.contains { $0.code == "E207" && $0.message.contains("`N`") })
  }

  @Test func sharedParametersAreOneValue() throws {
    let (model, diagnostics) = lower(
      """
      neuralnet
        x: Input[8]
        a: Dense[8, relu]
        b: Dense[8, relu, share: a]
        x --> a --> b
      """)
    #expect(diagnostics.isEmpty, "\(diagnostics)")
    let m = try #require(model)
    #expect(m.parameterCount == 8 * 8 + 8)
    #expect(m.layers.first { $0.id == "b" }?.parameterCount == 0)
    let weight = try #require(m.graph.parameters.first { m.graph[$0].name == "a.weight" })
    #expect(m.graph.nodes.filter { $0.inputs.contains(weight) }.count == 2)
    let (_, mismatch) = lower(
      "neuralnet\n  x: Input[8]\n  a: Dense[8]\n  b: Dense[4, share: a]\n  x --> a --> b\n")
    #expect(mismatch.contains { $0.code == "E301" && $0.message.contains("cannot share") })
  }
}

@Suite struct ConstantTests {
  @Test func namedConstantsFeedArgumentsAndBlocks() throws {
    let (model, diagnostics) = lower(
      """
      let width = 16
      let half = width / 2
      block Pair(units: half)
        a: Dense[units, relu]
        b: Dense[units]
      end
      neuralnet
        x: Input[4]
        p: Pair
        q: Dense[width * 2]
        x --> p --> q
      """)
    #expect(diagnostics.isEmpty, "\(diagnostics)")
    let shapes = try #require(model).layers.map { $0.outputType?.shapeDescription ?? "-" }
    #expect(shapes == ["N×4", "N×8", "N×8", "N×32"])
    let (_, twice) = lower("let a = 1\nlet a = 2\nneuralnet\n  x: Input[a]\n")
    #expect(twice.contains { $0.code == "E219" })
  }
}
