import Testing

@testable import DLGLang

func parse(_ text: String) -> ParseResult {
  Parser.parse(SourceFile(path: "t.dlg", text: text))
}

@Suite struct ParserTests {
  @Test func aByteOrderMarkIsNotACharacterOfTheModel() {
    let result = Parser.parse(
      SourceFile(path: "bom.dlg", text: "\u{FEFF}neuralnet sequential\n  Input[4]\n  Dense[2]\n"))
    #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
  }

  @Test func fashionMNISTExample() throws {
    let result = parse(
      """
      %% a comment
      neuralnet
        title Fashion-MNIST CNN   %% trailing comment
        image: Input[28, 28, 1]
        conv:  Conv2D[32, 3x3, relu]
        flat:  Flatten
        fc:    Dense[128, relu] "hidden"
        out:   Dense[10]
        image --> conv --> flat --> fc --> out

      train
        data      idx("/usr/share/datasets/fashion-mnist", split: "train", scale: 1/255)
        optimizer Adam(lr: 0.001)
        batch 32
        metrics accuracy, loss
      """)
    #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
    let network = try #require(result.model.network)
    #expect(network.title == "Fashion-MNIST CNN")
    #expect(network.mode == .graph)
    #expect(network.layers.map { $0.id?.name } == ["image", "conv", "flat", "fc", "out"])
    #expect(network.layers.map(\.type.name) == ["Input", "Conv2D", "Flatten", "Dense", "Dense"])
    #expect(network.layers[3].label == "hidden")
    guard case .dimensions(let kernel) = network.layers[1].arguments[1].value.kind else {
      Issue.record("3x3 should be dimensions")
      return
    }
    #expect(kernel == [3, 3])
    #expect(network.chains.count == 1)
    #expect(network.chains[0].nodes.map(\.name) == ["image", "conv", "flat", "fc", "out"])
    let conv = network.layers[1]
    #expect(conv.range.start.line == 5)
    #expect(conv.type.range.start.column == 10)

    let train = try #require(result.model.train)
    #expect(train.entries.map(\.key.name) == ["data", "optimizer", "batch", "metrics"])
    guard case .call(let name, let arguments) = train.entries[0].value.kind else {
      Issue.record("data should be a call")
      return
    }
    #expect(name.name == "idx")
    #expect(arguments.map { $0.label?.name } == [nil, "split", "scale"])
    guard case .binary(.divide, _, _) = arguments[2].value.kind else {
      Issue.record("1/255 should be a division")
      return
    }
    guard case .list(let metrics) = train.entries[3].value.kind else {
      Issue.record("metrics should be a list")
      return
    }
    #expect(metrics.count == 2)
  }

  @Test func sequentialModeWithoutIDs() throws {
    let result = parse(
      """
      neuralnet sequential
        Input[784]
        Dense[128, relu]
        Dropout[0.2]
        Dense[10, softmax]
      """)
    #expect(result.diagnostics.isEmpty)
    let network = try #require(result.model.network)
    #expect(network.mode == .sequential)
    #expect(network.layers.count == 4)
    #expect(network.layers.allSatisfy { $0.id == nil })
    guard case .float(let rate) = network.layers[2].arguments[0].value.kind else {
      Issue.record("0.2 should be a float")
      return
    }
    #expect(rate == 0.2)
  }

  @Test func ampersandFansOut() throws {
    let result = parse(
      """
      neuralnet
        a: Input[4]
        b: Dense[4]
        c: Dense[4]
        d: Add
        a --> b & c --> d
      """)
    #expect(result.diagnostics.isEmpty)
    let edges = result.model.network!.chains.map { $0.nodes.map(\.name) }
    #expect(edges == [["a", "b"], ["a", "c"], ["b", "d"], ["c", "d"]])
  }

  @Test func unicodeIdentifiersAndLabels() throws {
    let result = parse(
      """
      neuralnet
        title 图像分类
        输入: Input[8, 8, 1] "输入层"
        卷积: Conv2D[4, 3x3]
        输入 --> 卷积
      """)
    #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
    let network = try #require(result.model.network)
    #expect(network.title == "图像分类")
    #expect(network.layers[0].id?.name == "输入")
    #expect(network.layers[0].label == "输入层")
    #expect(network.layers[1].type.range.start.column == 7)
  }

  @Test func numbersAndExpressions() throws {
    let result = parse(
      """
      train
        a 1e-3
        b .5
        c -2 * (3 + 4)
        d 2x2x2
        e [1, 2, 3]
      """)
    #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
    let entries = result.model.train!.entries
    guard case .float(let a) = entries[0].value.kind, case .float(let b) = entries[1].value.kind,
      case .binary(.multiply, _, _) = entries[2].value.kind,
      case .dimensions(let d) = entries[3].value.kind,
      case .list(let e) = entries[4].value.kind
    else {
      Issue.record("unexpected kinds: \(entries.map(\.value.kind))")
      return
    }
    #expect(a == 0.001)
    #expect(b == 0.5)
    #expect(d == [2, 2, 2])
    #expect(e.count == 3)
  }
}

@Suite struct ParserDiagnosticTests {
  func codes(_ text: String) -> [(String, Int, Int)] {
    parse(text).diagnostics.map {
      ($0.code, $0.range?.start.line ?? 0, $0.range?.start.column ?? 0)
    }
  }

  @Test func eachErrorAtItsPlace() {
    #expect(codes("neuralnet\n  a: Input[4\n").first! == ("E102", 2, 11))
    #expect(codes("neuralnet\n  a: Input[4]\n  a -->\n").first! == ("E103", 3, 5))
    #expect(codes("neuralnet\n  a: Input[\"x]\n").first!.0 == "E001")
    #expect(codes("neuralnet\n  a: Input[4] $\n").first! == ("E002", 2, 15))
    #expect(codes("neuralnet\n  a: Input[99999999999999999999]\n").first!.0 == "E003")
    #expect(codes("hello\nneuralnet\n").first! == ("E104", 1, 1))
    #expect(
      codes("neuralnet sequential\n  a: Input[4]\n  b: Dense[2]\n  a --> b\n").first!.0 == "E106")
    #expect(codes("").first!.0 == "E108")
    #expect(codes("train\n  batch\n").first!.0 == "E107")
    #expect(codes("neuralnet\n  a: Dense[2] b\n").first!.0 == "E109")
  }

  @Test func independentErrorsAreAllReported() {
    let diagnostics = parse(
      """
      neuralnet
        a: Input[4
        b: Dense[2] $
        a -->
      """
    ).diagnostics
    #expect(Set(diagnostics.map(\.code)) == ["E102", "E002", "E103"])
  }

  @Test func deepNestingIsRefusedNotCrashed() {
    let deep =
      "train\n  x " + String(repeating: "(", count: 10_000) + "1"
      + String(repeating: ")", count: 10_000) + "\n"
    #expect(parse(deep).diagnostics.contains { $0.code == "E105" })
    let brackets = "neuralnet\n  a: Input" + String(repeating: "[", count: 5000) + "\n"
    #expect(!parse(brackets).diagnostics.isEmpty)
  }
}
