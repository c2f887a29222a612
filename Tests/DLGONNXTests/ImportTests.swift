import DLG
import Foundation
import Testing

/// A small ONNX model built in code: nodes in order, float inputs and initializers.
struct ModelBuilder {
  var proto = ONNXModelProto()

  init(opset: Int64 = 17) {
    proto.irVersion = 8
    var set = ONNXOperatorSetIdProto()
    set.version = opset
    proto.opsetImport = [set]
  }

  mutating func input(_ name: String, _ dims: [Int64?], type: ONNXTensorProto.DataType = .float) {
    var info = ONNXValueInfoProto()
    info.name = name
    var tensor = ONNXTypeProto.Tensor()
    tensor.elemType = Int32(type.rawValue)
    tensor.shape.dim = dims.map { dim in
      var d = ONNXTensorShapeProto.Dimension()
      if let dim { d.dimValue = dim } else { d.dimParam = "N" }
      return d
    }
    info.type.tensorType = tensor
    proto.graph.input.append(info)
  }

  mutating func output(_ name: String) {
    var info = ONNXValueInfoProto()
    info.name = name
    proto.graph.output.append(info)
  }

  mutating func initializer(_ name: String, _ dims: [Int], _ values: [Float]) {
    proto.graph.initializer.append(ONNXTensors.make(name: name, dimensions: dims, floats: values))
  }

  mutating func node(
    _ op: String, _ inputs: [String], _ outputs: [String], ints: [String: [Int64]] = [:]
  ) {
    var node = ONNXNodeProto()
    node.opType = op
    node.name = outputs.first ?? op
    node.input = inputs
    node.output = outputs
    for (name, values) in ints.sorted(by: { $0.key < $1.key }) {
      var attribute = ONNXAttributeProto()
      attribute.name = name
      attribute.type = .ints
      attribute.ints = values
      node.attribute.append(attribute)
    }
    proto.graph.node.append(node)
  }

  var bytes: Data { try! proto.serializedBytes() }
}

@Suite struct ImportTests {
  static let nodeTests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("NodeTests").path

  /// ONNX's own node tests for every op dlg imports (the passing subset is committed; the
  /// whole suite runs with scripts/onnx-conformance.sh).
  @Test func onnxNodeTestsPass() throws {
    let cases = try FileManager.default.contentsOfDirectory(atPath: Self.nodeTests).sorted()
    #expect(cases.count > 100)
    for name in cases {
      let result = ONNXConformance.run(Self.nodeTests + "/" + name)
      #expect(result.outcome == .passed, "\(name): \(result.outcome)")
    }
  }

  /// A convolution stack imports NHWC throughout: one transpose in, one before Flatten.
  @Test func convolutionsStayChannelsLast() throws {
    var model = ModelBuilder()
    model.input("x", [nil, 1, 8, 8])
    model.initializer("w1", [4, 1, 3, 3], (0..<36).map { Float($0) / 36 })
    model.initializer("b1", [4], [0.1, 0.2, 0.3, 0.4])
    model.initializer("w2", [2, 4, 3, 3], (0..<72).map { Float($0 % 7) / 7 })
    model.node("Conv", ["x", "w1", "b1"], ["c1"])
    model.node("Relu", ["c1"], ["r1"])
    model.node("Conv", ["r1", "w2"], ["c2"], ints: ["pads": [1, 1, 1, 1]])
    model.node("Relu", ["c2"], ["r2"])
    model.node("Flatten", ["r2"], ["y"])
    model.output("y")
    let imported = try ONNXImporter.importModel(model.proto)
    let transposes = imported.graph.nodes.filter { $0.op is Transpose }
    #expect(transposes.count == 2)
    #expect(imported.graph[imported.outputs[0].value].type == .batched([2 * 6 * 6]))
    // The weights were reordered while importing: no transpose reads a parameter.
    #expect(
      !imported.graph.nodes.contains { $0.op is Transpose && imported.weights[$0.inputs[0]] != nil }
    )
    let run = try ONNXModel(model.proto)
    let out = try run.run([[Float](repeating: 1, count: 64 * 3)])
    #expect(out[0].count == 3 * 72)
  }

  private func importError(_ bytes: Data) -> ONNXError? {
    do {
      _ = try ONNXModel(try ONNXFile.decode(bytes, source: "m.onnx"))
      return nil
    } catch {
      return error
    }
  }

  @Test func badFilesAreClearErrors() throws {
    var good = ModelBuilder()
    good.input("x", [nil, 4])
    good.node("Relu", ["x"], ["y"])
    good.output("y")
    #expect(importError(good.bytes) == nil)

    let truncated = importError(good.bytes.prefix(good.bytes.count - 3))
    #expect(truncated?.message.contains("not an ONNX model") == true)
    var generator = SystemRandomNumberGenerator()
    let random = Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) })
    #expect(importError(random) != nil)
    #expect(importError(Data())?.message.contains("empty") == true)

    var cycle = ModelBuilder()
    cycle.input("x", [nil, 4])
    cycle.node("Add", ["x", "b"], ["a"])
    cycle.node("Relu", ["a"], ["b"])
    cycle.output("b")
    #expect(importError(cycle.bytes)?.message.contains("cycle") == true)

    var missing = ModelBuilder()
    missing.input("x", [nil, 4])
    missing.node("Add", ["x", "nowhere"], ["y"])
    missing.output("y")
    #expect(importError(missing.bytes)?.message.contains("`nowhere`") == true)

    var absurd = ModelBuilder()
    absurd.input("x", [nil, 4])
    var huge = ONNXTensors.make(name: "w", dimensions: [4], floats: [1, 2, 3, 4])
    huge.dims = [1 << 40, 1 << 30]
    absurd.proto.graph.initializer.append(huge)
    absurd.node("MatMul", ["x", "w"], ["y"])
    absurd.output("y")
    #expect(importError(absurd.bytes)?.message.contains("more than") == true)

    var short = ModelBuilder()
    short.input("x", [nil, 4])
    var cut = ONNXTensors.make(name: "w", dimensions: [4, 2], floats: [1, 2, 3])
    cut.dims = [4, 2]
    short.proto.graph.initializer.append(cut)
    short.node("MatMul", ["x", "w"], ["y"])
    short.output("y")
    #expect(importError(short.bytes)?.message.contains("bytes of data") == true)

    var newer = good
    newer.proto.opsetImport[0].version = 99
    let tooNew = importError(newer.bytes)
    #expect(tooNew?.kind == .unsupported)
    #expect(tooNew?.message.contains("opset 99") == true)

    var unknown = ModelBuilder()
    unknown.input("x", [nil, 4])
    unknown.node("Hardmax", ["x"], ["y"])
    unknown.output("y")
    let op = importError(unknown.bytes)
    #expect(op?.kind == .unsupported)
    #expect(op?.message.contains("Hardmax node \"y\" (opset 17)") == true)
  }
}

extension ImportTests {
  /// Graphs that decode fine but are built to trap, hang or exhaust memory: each one error.
  @Test func hostileGraphsAreRefused() throws {
    func refused(_ build: (inout ModelBuilder) -> Void) -> Bool {
      var model = ModelBuilder()
      model.input("x", [nil, 4])
      build(&model)
      do {
        _ = try ONNXModel(model.proto)
        return false
      } catch {
        return true
      }
    }
    // An axis of Int64.min (abs would overflow).
    #expect(
      refused { model in
        model.node("Concat", ["x", "x"], ["y"])
        var axis = ONNXAttributeProto()
        axis.name = "axis"
        axis.type = .int
        axis.i = .min
        model.proto.graph.node[0].attribute = [axis]
        model.output("y")
      })
    // A reshape to 2^87 elements.
    #expect(
      refused { model in
        model.proto.graph.initializer.append(
          ONNXTensors.make(name: "s", dimensions: [3], integers: [1 << 29, 1 << 29, 1 << 29]))
        model.node("Reshape", ["x", "s"], ["y"])
        model.output("y")
      })
    // Two small constants whose broadcast would take 16 GiB.
    #expect(
      refused { model in
        model.initializer("a", [65536, 1], [Float](repeating: 1, count: 65536))
        model.initializer("b", [1, 65536], [Float](repeating: 1, count: 65536))
        model.node("Add", ["a", "b"], ["c"])
        model.node("Add", ["x", "c"], ["y"])
        model.output("y")
      })
    // One axis squeezed twice.
    #expect(
      refused { model in
        model.node("Unsqueeze", ["x"], ["u"], ints: ["axes": [1]])
        model.node("Squeeze", ["u"], ["y"], ints: ["axes": [1, 1]])
        model.proto.opsetImport[0].version = 11
        model.output("y")
      })
    // Joining constants of different shapes.
    #expect(
      refused { model in
        model.proto.graph.initializer.append(
          ONNXTensors.make(name: "p", dimensions: [2, 2], integers: [1, 2, 3, 4]))
        model.proto.graph.initializer.append(
          ONNXTensors.make(name: "q", dimensions: [3], integers: [1, 2, 3]))
        model.node("Concat", ["p", "q"], ["c"])
        model.node("Reshape", ["x", "c"], ["y"])
        model.output("y")
      })
  }

  /// Flatten then Gemm (PyTorch's Linear) on NCHW features: the Dense weight's rows are
  /// reordered at import and no transpose runs, with the same numbers.
  @Test func flattenOrderFoldsIntoTheWeight() throws {
    func model(withGemm: Bool) -> ModelBuilder {
      var model = ModelBuilder()
      model.input("x", [nil, 2, 4, 4])
      model.initializer("w", [3, 2, 3, 3], (0..<54).map { Float($0 % 11) / 11 - 0.5 })
      model.node("Conv", ["x", "w"], ["c"])
      model.node("Relu", ["c"], ["r"])
      model.node("Flatten", ["r"], ["f"])
      if withGemm {
        model.initializer("fc", [12, 2], (0..<24).map { Float($0 % 5) / 5 - 0.4 })
        model.node("MatMul", ["f", "fc"], ["y"])
        model.output("y")
      } else {
        model.output("f")
      }
      return model
    }
    let folded = try ONNXModel(model(withGemm: true).proto)
    #expect(
      !folded.runner.graph.nodes.contains {
        $0.op is Transpose && $0.inputs[0] != folded.runner.inputs[0]
      })
    var generator = SeededGenerator(seed: 5)
    let x = (0..<64).map { _ in Float.random(in: -1..<1, using: &generator) }
    let features = try ONNXModel(model(withGemm: false).proto).run([x])[0]
    let w = (0..<24).map { Float($0 % 5) / 5 - 0.4 }
    var expected = [Float](repeating: 0, count: 4)
    for n in 0..<2 {
      for j in 0..<2 {
        for k in 0..<12 { expected[n * 2 + j] += features[n * 12 + k] * w[k * 2 + j] }
      }
    }
    let actual = try folded.run([x])[0]
    #expect(zip(actual, expected).allSatisfy { abs($0 - $1) < 1e-5 }, "\(actual) vs \(expected)")
  }

  /// A long chain stored in reverse order is sorted in linear time.
  @Test func reversedChainsImportQuickly() throws {
    var model = ModelBuilder()
    model.input("x", [nil, 4])
    let length = 20_000
    for i in (0..<length).reversed() {
      model.node("Identity", [i == 0 ? "x" : "t\(i - 1)"], ["t\(i)"])
    }
    model.output("t\(length - 1)")
    let start = Date()
    _ = try ONNXImporter.importModel(model.proto)
    #expect(Date().timeIntervalSince(start) < 10)
  }
}

@Suite struct WriterTests {
  /// A PyTorch-style CNN (NCHW, Conv with bias, Relu, MaxPool, Flatten, Gemm) as a .dlg file
  /// whose layers are the ones a person would write.
  @Test func convolutionalNetworkReadsAsLayers() throws {
    var model = ModelBuilder()
    model.input("x", [nil, 1, 6, 6])
    model.initializer("w", [2, 1, 3, 3], (0..<18).map { Float($0 % 5) / 5 - 0.3 })
    model.initializer("b", [2], [0.1, -0.1])
    model.initializer("fc", [3, 8], (0..<24).map { Float($0 % 7) / 7 - 0.4 })
    model.initializer("fcb", [3], [0.5, 0, -0.5])
    model.node("Conv", ["x", "w", "b"], ["c"])
    model.node("Relu", ["c"], ["r"])
    model.node("MaxPool", ["r"], ["p"], ints: ["kernel_shape": [2, 2], "strides": [2, 2]])
    model.node("Flatten", ["p"], ["f"])
    var gemm = ONNXNodeProto()
    gemm.opType = "Gemm"
    gemm.input = ["f", "fc", "fcb"]
    gemm.output = ["y"]
    var transB = ONNXAttributeProto()
    transB.name = "transB"
    transB.type = .int
    transB.i = 1
    gemm.attribute = [transB]
    model.proto.graph.node.append(gemm)
    model.output("y")
    let written = try ONNXModelWriter.write(try ONNXImporter.importModel(model.proto), title: "cnn")
    for line in ["Conv2D[2, 3x3, relu]", "MaxPool2D[2x2]", "Flatten", "Dense[3]"] {
      #expect(written.text.contains(line), "\(written.text)")
    }
    let names = written.weights.map(\.name).sorted()
    #expect(names == ["conv1.bias", "conv1.weight", "dense1.bias", "dense1.weight"])
    // Dense weights are written [inputs, units], as dlg keeps them (Gemm's were transposed).
    #expect(written.weights.first { $0.name == "dense1.weight" }?.dimensions == [8, 3])
  }

  @Test func opsWithoutALayerAreNamed() throws {
    var model = ModelBuilder()
    model.input("x", [nil, 4])
    model.node("Exp", ["x"], ["y"])
    model.output("y")
    #expect(throws: ONNXError.self) {
      try ONNXModelWriter.write(try ONNXImporter.importModel(model.proto), title: "m")
    }
  }
}
