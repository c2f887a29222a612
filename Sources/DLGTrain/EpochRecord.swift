/// What one epoch achieved; one JSON object per epoch in the `--log` file (JSON Lines).
public struct EpochRecord: Codable, Sendable, Equatable {
  public var epoch: Int
  public var trainLoss: Double
  public var trainAccuracy: Double?
  public var testLoss: Double?
  public var testAccuracy: Double?
  /// Wall time of the training part of the epoch (not the test pass).
  public var seconds: Double
  public var samplesPerSecond: Double

  enum CodingKeys: String, CodingKey {
    case epoch
    case trainLoss = "train_loss"
    case trainAccuracy = "train_accuracy"
    case testLoss = "test_loss"
    case testAccuracy = "test_accuracy"
    case seconds
    case samplesPerSecond = "samples_per_second"
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
