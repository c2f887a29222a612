/// What one epoch achieved; one JSON object per epoch in the `--log` file (JSON Lines).
public struct EpochRecord: Codable, Sendable, Equatable {
  /// The train stage (`pretrain`), in a file with several.
  public var stage: String?
  public var epoch: Int
  public var trainLoss: Double
  public var trainAccuracy: Double?
  public var testLoss: Double?
  public var testAccuracy: Double?
  /// On the part of the training data held out with `validation`.
  public var validationLoss: Double?
  public var validationAccuracy: Double?
  /// Wall time of the training part of the epoch (not the test pass).
  public var seconds: Double
  public var samplesPerSecond: Double
  /// Macro-averaged over classes, on the test data, when the metrics ask for them.
  public var testPrecision: Double?
  public var testRecall: Double?
  public var testF1: Double?
  /// `confusionMatrix[true][predicted]` counts on the test data.
  public var confusionMatrix: [[Int]]?

  enum CodingKeys: String, CodingKey {
    case stage
    case epoch
    case trainLoss = "train_loss"
    case trainAccuracy = "train_accuracy"
    case testLoss = "test_loss"
    case testAccuracy = "test_accuracy"
    case validationLoss = "validation_loss"
    case validationAccuracy = "validation_accuracy"
    case seconds
    case samplesPerSecond = "samples_per_second"
    case testPrecision = "test_precision"
    case testRecall = "test_recall"
    case testF1 = "test_f1"
    case confusionMatrix = "confusion_matrix"
  }
}

extension EpochRecord {
  public init(
    epoch: Int, trainLoss: Double, trainAccuracy: Double?, testLoss: Double?,
    testAccuracy: Double?, seconds: Double, samplesPerSecond: Double
  ) {
    self.epoch = epoch
    self.trainLoss = trainLoss
    self.trainAccuracy = trainAccuracy
    self.testLoss = testLoss
    self.testAccuracy = testAccuracy
    self.seconds = seconds
    self.samplesPerSecond = samplesPerSecond
  }
}

/// Loss and metrics of a model on one dataset.
public struct Evaluation: Sendable {
  public var loss: Double
  public var accuracy: Double?
  /// `confusion[true][predicted]`, when the metrics ask for it.
  public var confusion: [[Int]]?

  public init(loss: Double, accuracy: Double?, confusion: [[Int]]?) {
    self.loss = loss
    self.accuracy = accuracy
    self.confusion = confusion
  }

  /// Precision, recall and F1 per class, averaged over the classes that occur as truth or as
  /// prediction (macro average); a class never predicted counts as precision 0, as in
  /// scikit-learn.
  public var macroScores: (precision: Double, recall: Double, f1: Double)? {
    guard let confusion, !confusion.isEmpty else { return nil }
    let classes = confusion.count
    var (precision, recall, f1) = (0.0, 0.0, 0.0)
    var counted = 0
    for c in 0..<classes {
      let truePositives = Double(confusion[c][c])
      let predicted = Double((0..<classes).reduce(0) { $0 + confusion[$1][c] })
      let actual = Double(confusion[c].reduce(0, +))
      guard predicted + actual > 0 else { continue }
      counted += 1
      let p = predicted > 0 ? truePositives / predicted : 0
      let r = actual > 0 ? truePositives / actual : 0
      precision += p
      recall += r
      f1 += p + r > 0 ? 2 * p * r / (p + r) : 0
    }
    let n = Double(max(counted, 1))
    return (precision / n, recall / n, f1 / n)
  }
}

/// Receives progress while training, so a terminal can draw a bar and a log can print lines.
public protocol TrainingObserver: AnyObject {
  /// After each training batch: running means over the epoch so far.
  func batchFinished(
    epoch: Int, batch: Int, of batches: Int, samplesPerSecond: Double, loss: Double,
    accuracy: Double?)
  /// After the test pass of an epoch.
  func epochFinished(_ record: EpochRecord, of epochs: Int)
  /// When early stopping ends the run before its last epoch.
  func stoppedEarly(after epoch: Int, patience: Int)
}

extension TrainingObserver {
  public func stoppedEarly(after epoch: Int, patience: Int) {}
}
