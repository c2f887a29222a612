import ArgumentParser
import DLG
import DLGKernels
import Foundation

/// `dlg predict FILE --weights W --input DATA -o OUT`: class probabilities for new samples.
struct PredictCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "predict",
    abstract:
      "Predict classes for samples in an IDX or .npy file or for PNG/JPEG images; write CSV or "
      + ".npy, or print them.",
    discussion: """
      Examples:
        dlg predict model.dlg --weights w.safetensors --input photo.jpg
        dlg predict model.dlg --weights w.safetensors --input x.npy -o p.csv
        dlg predict model.dlg --weights w.safetensors --input x.idx -o p.npy
        dlg predict lenet.onnx --input x.npy -o outputs.npy
      """)

  @ArgumentParser.Argument(help: "The .dlg model, or an .onnx model (which holds its weights).")
  var file: String

  @Option(help: "Weights written by `dlg run --save` (safetensors); not for .onnx models.")
  var weights: String?

  @Option(
    help: ArgumentHelp(
      "Samples: an IDX file (plain or .gz) or a .npy array, first dimension = samples; or PNG "
        + "or JPEG images (resized to the model's input)."))
  var input: [String]

  @Option(
    name: .shortAndLong,
    help: ArgumentHelp(
      "Output: .csv (class and probabilities per row) or .npy; without it, each sample's "
        + "class (its name when the weights have class names) is printed."))
  var output: String?

  @Option(
    parsing: .unconditional,
    help: "Multiply inputs by this (default: the scale of the file's training data).")
  var scale: Float?

  @OptionGroup var threading: ThreadOptions

  /// True when the inputs are image files rather than one array file.
  var inputsAreImages: Bool {
    input.allSatisfy {
      ImageFile.extensions.contains(URL(fileURLWithPath: $0).pathExtension.lowercased())
    }
  }

  func validate() throws {
    if input.count > 1, !inputsAreImages {
      throw ValidationError("several --input files must all be PNG or JPEG images")
    }
  }

  func run() throws {
    threading.apply()
    if let output, !(output.hasSuffix(".csv") || output.hasSuffix(".npy")) {
      Terminal.failure("cannot tell the format of \(output): use .csv or .npy")
      throw ExitCode.failure
    }
    if file.hasSuffix(".onnx") {
      guard let output else {
        Terminal.failure("-o FILE (.csv or .npy) is needed for an .onnx model's outputs")
        throw ExitCode.failure
      }
      return try predictONNX(output: output)
    }
    guard let weights else {
      Terminal.failure("--weights is needed for a .dlg model (the file `dlg run --save` wrote)")
      throw ExitCode.failure
    }
    let model = try ModelLoading.load(file)
    try ModelLoading.requireExecutable(model)
    do {
      let predictor = try Predictor(model: model, weights: weights)
      let data = try inputsAreImages ? images(for: model) : samples(for: model)
      let probabilities = predictor.predictions(for: data)
      let width = predictor.predictionWidth
      let isRegression = predictor.outputKind == .values
      guard let output else {
        if isRegression {
          try printValues(probabilities, width: width)
        } else {
          try printClasses(probabilities, width: width, names: predictor.classNames)
        }
        return
      }
      if output.hasSuffix(".npy") {
        try NPY.write(path: output, shape: [data.count, width], values: probabilities)
      } else {
        let csv = Self.csv(probabilities, width: width, column: isRegression ? "y" : "p")
        do {
          try FileOutput.write(Array(csv.utf8), to: output)
        } catch {
          throw DataError(output, "cannot write the file: \(error.description)")
        }
      }
      Terminal.errorLine("wrote \(data.count) predictions to \(output)")
    } catch let error as TrainingError {
      Terminal.failure(error.description)
      throw ExitCode.failure
    } catch let error as DataError {
      Terminal.failure(error.description)
      throw ExitCode.failure
    }
  }

  /// An ONNX model's first output for every sample, in batches of 256: .npy as it is, or CSV
  /// with the index of the largest value as the class.
  private func predictONNX(output: String) throws {
    let input = input[0]
    let model = try ONNXLoading.load(file)
    guard model.imported.inputs.count == 1 else {
      Terminal.failure("\(file) has \(model.imported.inputs.count) inputs; dlg predict feeds one")
      throw ExitCode.failure
    }
    do {
      let array =
        input.hasSuffix(".npy") ? try NPY.read(path: input) : try IDXReader.read(path: input)
      let sampleShape = model.sampleShape(ofInput: 0)
      let sampleSize = max(sampleShape.reduce(1, *), 1)
      guard let count = array.dimensions.first, count > 0,
        array.values.count == count * sampleSize
      else {
        throw DataError(
          input,
          "holds \(array.dimensions.map(String.init).joined(separator: "×")) values; the "
            + "model's input is N×\(sampleShape.map(String.init).joined(separator: "×"))")
      }
      if let bad = array.values.firstIndex(where: { !$0.isFinite }) {
        throw DataError(
          input,
          "sample \(bad / sampleSize) holds \(array.values[bad]): dlg predicts only finite values")
      }
      let batched = model.imported.graph[model.imported.inputs[0].value].type.isBatched
      let batch = batched ? 256 : 1
      var outputs: [Float] = []
      var start = 0
      while start < count {
        let end = min(start + batch, count)
        let slice = Array(array.values[(start * sampleSize)..<(end * sampleSize)])
        outputs += try model.run([slice])[0]
        start = end
      }
      guard outputs.count % count == 0, outputs.count > 0 else {
        throw ONNXError(
          "its output has \(outputs.count) values for \(count) samples: not one row each")
      }
      let width = outputs.count / count
      if output.hasSuffix(".npy") {
        try NPY.write(path: output, shape: [count, width], values: outputs)
      } else {
        try FileOutput.write(Array(Self.csv(outputs, width: width, column: "y").utf8), to: output)
      }
      Terminal.errorLine("wrote \(count) predictions to \(output)")
    } catch let error as ONNXError {
      Terminal.failure("\(file): \(error.description)")
      throw ExitCode.failure
    } catch let error as DataError {
      Terminal.failure(error.description)
      throw ExitCode.failure
    } catch let error as FileOutput.Failure {
      Terminal.failure(error.description)
      throw ExitCode.failure
    }
  }

  /// One CSV row per sample: its index, the index of its largest value (the class), then its
  /// values as columns `p0, p1, ...` (or `y0, ...`).
  static func csv(_ values: [Float], width: Int, column: String) -> String {
    var csv = "index,class," + (0..<width).map { "\(column)\($0)" }.joined(separator: ",") + "\n"
    for row in 0..<(values.count / max(width, 1)) {
      let slice = values[row * width..<(row + 1) * width]
      let best = (slice.indices.max { slice[$0] < slice[$1] } ?? row * width) - row * width
      csv +=
        "\(row),\(best)," + slice.map { String(format: "%.6g", $0) }.joined(separator: ",") + "\n"
    }
    return csv
  }

  /// Image files as samples of the model's input `[height, width, channels]`: decoded,
  /// converted to its channels, resized as `images(...)` does, scaled as its training data.
  private func images(for model: Model) throws -> Dataset {
    guard let inputValue = model.input else { throw DataError(file, "the model has no input") }
    let shape = Array(model.graph[inputValue].type.dimensions(batch: 1).dropFirst())
    guard shape.count == 3, shape[2] == 1 || shape[2] == 3 else {
      throw DataError(
        input[0],
        "the model's input is \(shape.map(String.init).joined(separator: "×")), not an image "
          + "[height, width, 1 or 3 channels]")
    }
    var pixels: [UInt8] = []
    for path in input {
      pixels += try ImageFile.read(path, channels: shape[2]).resized(
        width: shape[1], height: shape[0]
      )
      .pixels
    }
    let factor = scale ?? model.training?.data?.scale ?? 1
    return Dataset(
      bytes: pixels, scale: factor, sampleShape: shape,
      labels: [Int32](repeating: 0, count: input.count))
  }

  /// One line per sample on stdout: its source, its class (by name when known) and the
  /// class's probability.
  private func printClasses(_ probabilities: [Float], width: Int, names: [String]?) throws {
    var text = ""
    for row in 0..<(probabilities.count / max(width, 1)) {
      let slice = probabilities[row * width..<(row + 1) * width]
      let best = (slice.indices.max { slice[$0] < slice[$1] } ?? row * width) - row * width
      let name = names.flatMap { best < $0.count ? $0[best] : nil } ?? "class \(best)"
      let source = inputsAreImages ? input[row] : "\(input[0])[\(row)]"
      text += "\(source): \(name) " + String(format: "(%.3f)", slice[row * width + best]) + "\n"
    }
    guard Terminal.output(text) else { throw ExitCode.failure }
  }

  /// One line per sample on stdout: its source and its predicted values.
  private func printValues(_ values: [Float], width: Int) throws {
    var text = ""
    for row in 0..<(values.count / max(width, 1)) {
      let slice = values[row * width..<(row + 1) * width]
      let source = inputsAreImages ? input[row] : "\(input[0])[\(row)]"
      text += "\(source): " + slice.map { String(format: "%.6g", $0) }.joined(separator: " ") + "\n"
    }
    guard Terminal.output(text) else { throw ExitCode.failure }
  }

  /// The input file as samples of the model's input shape.
  private func samples(for model: Model) throws -> Dataset {
    let input = input[0]
    let array =
      input.hasSuffix(".npy") ? try NPY.read(path: input) : try IDXReader.read(path: input)
    guard let inputValue = model.input, let count = array.dimensions.first, count > 0 else {
      throw DataError(input, "holds no samples")
    }
    let sampleShape = Array(model.graph[inputValue].type.dimensions(batch: 1).dropFirst())
    let sampleSize = sampleShape.reduce(1, *)
    guard array.values.count == count * sampleSize else {
      let shape = array.dimensions.map(String.init).joined(separator: "×")
      throw DataError(
        input,
        "holds samples of shape \(shape.split(separator: "×").dropFirst().joined(separator: "×")), "
          + "but the model's input is \(sampleShape.map(String.init).joined(separator: "×"))")
    }
    // A NaN or an infinity gives no prediction worth reporting (it used to come out as
    // class 0): say which sample holds it.
    if let bad = array.values.firstIndex(where: { !$0.isFinite }) {
      throw DataError(
        input,
        "sample \(bad / sampleSize) holds \(array.values[bad]): dlg predicts only finite values")
    }
    let factor = scale ?? model.training?.data?.scale ?? 1
    return Dataset(
      features: factor == 1 ? array.values : array.values.map { $0 * factor },
      sampleShape: sampleShape, labels: [Int32](repeating: 0, count: count))
  }
}
