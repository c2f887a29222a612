import DLGLang

/// Where training or test samples come from: `idx("/path", split: "train", scale: 1/255)`.
public struct DataSourceSpec: Sendable {
  /// The reader: `idx` for MNIST-format files.
  public var format: String
  public var path: String
  public var split: String
  public var scale: Float
  public var location: SourceRange
  /// CSV: the feature columns (all others when empty), target columns and label column.
  public var features: [String] = []
  public var targets: [String] = []
  public var label: String?

  public init(format: String, path: String, split: String, scale: Float, location: SourceRange) {
    self.format = format
    self.path = path
    self.split = split
    self.scale = scale
    self.location = location
  }
}

/// The optimizer and its settings.
public enum OptimizerSpec: Sendable {
  case adam(AdamSettings)
  case sgd(SGDSettings)
}

/// The `train` section, checked.
public struct TrainingConfig: Sendable {
  public var data: DataSourceSpec?
  public var test: DataSourceSpec?
  public var optimizer: OptimizerSpec
  public var batchSize: Int
  public var epochs: Int
  public var metrics: [String]
  public var seed: UInt64
}
