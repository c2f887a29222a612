// dlg as a library: write a small image dataset, describe a model in .dlg text, train it with
// a callback after every epoch, save the weights, load them into a `Predictor` and classify
// samples held in a Swift array. Exits 1 if the model did not learn.
import DLG
import Foundation

/// Ten classes, each a bright 3×3 block at its own place in an 8×8 image, plus noise.
func images(count: Int, seed: UInt64) -> (pixels: [UInt8], labels: [UInt8]) {
  var generator = SeededGenerator(seed: seed)
  var pixels: [UInt8] = []
  var labels: [UInt8] = []
  for _ in 0..<count {
    let label = Int(generator.next() % 10)
    labels.append(UInt8(label))
    let (row, column) = (label / 5 * 4 + 1, label % 5)
    for y in 0..<8 {
      for x in 0..<8 {
        let inBlock = (row..<row + 3).contains(y) && (column..<column + 3).contains(x)
        pixels.append(UInt8(min(255, (inBlock ? 180 : 0) + Int(generator.next() % 60))))
      }
    }
  }
  return (pixels, labels)
}

/// Prints one line per epoch, as a program embedding dlg might log.
final class EpochPrinter: TrainingObserver {
  func batchFinished(
    epoch: Int, batch: Int, of batches: Int, samplesPerSecond: Double, loss: Double,
    accuracy: Double?
  ) {}

  func epochFinished(_ record: EpochRecord, of epochs: Int) {
    let accuracy = record.testAccuracy.map { String(format: "%.3f", $0) } ?? "-"
    print(
      "epoch \(record.epoch)/\(epochs): loss \(String(format: "%.4f", record.trainLoss)), "
        + "test accuracy \(accuracy)")
  }
}

let folder = FileManager.default.temporaryDirectory
  .appendingPathComponent("dlg-example-\(UUID().uuidString)").path
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: folder) }
for (split, count, seed) in [("train", 800, UInt64(1)), ("t10k", 200, UInt64(2))] {
  let (pixels, labels) = images(count: count, seed: seed)
  try IDXWriter.write(
    path: "\(folder)/\(split)-images-idx3-ubyte.gz", dimensions: [count, 8, 8], bytes: pixels,
    gzip: true)
  try IDXWriter.write(
    path: "\(folder)/\(split)-labels-idx1-ubyte.gz", dimensions: [count], bytes: labels,
    gzip: true)
}

let text = """
  neuralnet
    image: Input[8, 8, 1]
    conv:  Conv2D[6, 3x3, relu]
    flat:  Flatten
    out:   Dense[10]
    image --> conv --> flat --> out
  train
    data      idx("\(folder)", split: "train", scale: 1/255)
    test      idx("\(folder)", split: "t10k", scale: 1/255)
    loss      softmax_cross_entropy(out, labels)
    optimizer Adam(lr: 0.01)
    batch     16
    epochs    3
    seed      1
    metrics   accuracy
  """
let parsed = Parser.parse(SourceFile(path: "\(folder)/blocks.dlg", text: text))
let (lowered, diagnostics) = ModelLowering.lower(parsed.model)
guard let model = lowered, parsed.diagnostics.isEmpty, diagnostics.isEmpty else {
  print("the model has errors: \(parsed.diagnostics + diagnostics)")
  exit(1)
}

let trainer = try Trainer(model: model)
let (train, test) = try trainer.loadData()
let observer = EpochPrinter()
_ = try trainer.train(on: train, test: test, observer: observer)
let weights = "\(folder)/blocks.safetensors"
try trainer.saveWeights(to: weights)

// Predict on samples held in an array: raw pixels scaled as the training data was.
let predictor = try Predictor(model: model, weights: weights)
let (pixels, labels) = images(count: 50, seed: 3)
Predictor.threads = 2
let probabilities = try predictor.predictions(for: pixels.map { Float($0) / 255 }, batchSize: 16)
let width = predictor.predictionWidth
var correct = 0
for (index, label) in labels.enumerated() {
  let row = probabilities[index * width..<(index + 1) * width]
  if row.indices.max(by: { row[$0] < row[$1] })! - index * width == Int(label) { correct += 1 }
}
print("classified \(correct) of \(labels.count) new samples correctly")
exit(correct * 10 >= labels.count * 8 ? 0 : 1)
