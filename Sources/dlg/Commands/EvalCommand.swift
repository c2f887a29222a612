import ArgumentParser
import DLG
import DLGKernels
import Foundation

/// `dlg eval FILE --weights W`: loss and metrics of trained weights on the model's test data.
struct EvalCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "eval",
    abstract: "Evaluate trained weights on the test data the model's train section names.",
    discussion: """
      Examples:
        dlg eval graphs/fashion_mnist.dlg --weights weights.safetensors --json
      """)

  @ArgumentParser.Argument(help: "The .dlg model.")
  var file: String

  @Option(help: "Weights written by `dlg run --save` (safetensors).")
  var weights: String

  @Option(parsing: .unconditional, help: "Mini-batch size (default: the file's).")
  var batch: Int?

  @OptionGroup var threading: ThreadOptions

  @Flag(help: "Print the result as JSON.")
  var json = false

  func validate() throws {
    if let batch, batch < 1 || batch > TrainingConfig.maximumBatch {
      throw ValidationError("--batch must be between 1 and \(TrainingConfig.maximumBatch)")
    }
  }

  func run() throws {
    threading.apply()
    let model = try ModelLoading.load(file)
    try ModelLoading.requireExecutable(model)
    do {
      let trainer = try Trainer(model: model, overrides: TrainingOverrides(batchSize: batch))
      try trainer.loadWeights(from: weights)
      let (train, test) = try trainer.loadData()
      let data = test ?? train
      // The classes the weights were trained with (an image folder's), against the data's.
      let saved = (try? SafeTensors.readFile(weights).metadata["classes"])?.flatMap {
        Predictor.classNames($0)
      }
      if let saved, let current = trainer.classNames, saved != current {
        Terminal.failure(
          "\(weights) was trained on the classes \(saved.joined(separator: ", ")), but the data "
            + "has \(current.joined(separator: ", ")): the labels would not mean the same")
        throw ExitCode.failure
      }
      let classes = saved ?? trainer.classNames
      let evaluation = trainer.evaluate(on: data)
      let (loss, accuracy) = (evaluation.loss, evaluation.accuracy)
      if json {
        var object: [String: Any] = ["loss": loss, "samples": data.count]
        if let accuracy { object["accuracy"] = accuracy }
        if let classes { object["classes"] = classes }
        if let scores = evaluation.macroScores {
          object["precision"] = scores.precision
          object["recall"] = scores.recall
          object["f1"] = scores.f1
          object["confusion_matrix"] = evaluation.confusion
        }
        let encoded = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        print(String(decoding: encoded, as: UTF8.self))
      } else {
        var line = String(format: "%@: loss %.4f", test == nil ? "train data" : "test data", loss)
        if let accuracy { line += String(format: "  accuracy %.4f", accuracy) }
        if let scores = evaluation.macroScores {
          line += String(
            format: "  precision %.4f  recall %.4f  f1 %.4f", scores.precision, scores.recall,
            scores.f1)
        }
        print(line + "  (\(data.count) samples)")
        if let classes {
          print(
            "classes: "
              + classes.enumerated().map { "\($0.offset) \($0.element)" }.joined(
                separator: ", "))
        }
        if let confusion = evaluation.confusion { print(ConfusionText.render(confusion)) }
      }
    } catch let error as TrainingError {
      Terminal.failure(error.description)
      throw ExitCode.failure
    }
  }
}
