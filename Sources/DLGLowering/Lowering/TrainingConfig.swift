import DLGGraph
import DLGLang
import Foundation

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
  /// Text: vocabulary size and sequence length.
  public var vocabulary = 10_000
  public var length = 100
  /// The split a `test` line reads when it names none (`t10k` for IDX, `test` for CIFAR).
  public var testSplit = "test"
  /// Images: the size they are resized to (height, width), the channels (1 or 3), and
  /// whether files that do not decode are left out (`skip_bad: true`) rather than an error.
  public var imageSize = [0, 0]
  public var channels = 3
  public var skipBad = false
  /// `limit: N`: only the first N samples.
  public var limit: Int?
  /// `subset: N`: N samples chosen by a shuffle seeded with `subsetSeed` (`subset_seed:`),
  /// the same ones on every run, whatever the training seed.
  public var subset: Int?
  public var subsetSeed: UInt64 = 0

  /// The options every format takes, besides its own.
  public static let selectionOptions = ["limit", "subset", "subset_seed"]

  public init(format: String, path: String, split: String, scale: Float, location: SourceRange) {
    self.format = format
    self.path = path
    self.split = split
    self.scale = scale
    self.location = location
  }
}

/// How the learning rate changes over a run, as a factor on the optimizer's rate.
public enum LearningRateSchedule: Sendable, Equatable {
  case constant
  /// Multiplied by `factor` every `every` epochs.
  case step(every: Int, factor: Double)
  /// A half cosine from 1 down to 0 over the run, after `warmup` steps rising linearly from 0.
  case cosine(warmup: Int)
  /// Rising linearly from 0 to 1 over the first `steps` steps, then constant.
  case warmup(steps: Int)

  /// The factor for a 1-based `step` in a 1-based `epoch` of a run of `totalSteps` steps.
  public func factor(step: Int, epoch: Int, totalSteps: Int) -> Float {
    switch self {
    case .constant:
      return 1
    case .step(let every, let factor):
      return Float(pow(factor, Double((epoch - 1) / max(every, 1))))
    case .warmup(let steps):
      return step >= steps ? 1 : Float(step) / Float(max(steps, 1))
    case .cosine(let warmup):
      if step < warmup { return Float(step) / Float(max(warmup, 1)) }
      let progress = Double(step - warmup) / Double(max(totalSteps - warmup, 1))
      return Float(0.5 * (1 + cos(Double.pi * min(progress, 1))))
    }
  }
}

/// The `train` section, checked.
public struct TrainingConfig: Sendable {
  /// The largest `epochs` and `batch`, whether the file or the command line sets them: far
  /// beyond any run, and small enough that step counts never overflow.
  public static let maximumEpochs = 1 << 20
  public static let maximumBatch = 1 << 20

  public var data: DataSourceSpec?
  public var test: DataSourceSpec?
  public var optimizer: OptimizerSpec
  public var batchSize: Int
  public var epochs: Int
  public var metrics: [String]
  public var seed: UInt64
  public var schedule: LearningRateSchedule = .constant
  /// Stop when the validation loss (or, without a validation split, the test loss) has not
  /// improved for this many epochs.
  public var earlyStoppingPatience: Int?
  /// Scale gradients down when their global norm exceeds this.
  public var clipNorm: Float?
  /// The fraction of the training data held out (by a seeded shuffle) to validate on.
  public var validationFraction: Double?
  /// Trained weights to start from instead of random ones (`init`).
  public var initialization: WeightsInitSpec?
  /// The stage's name (`train pretrain`); nil for a file's single unnamed section.
  public var stage: String?
  /// The stage whose weights this one starts from (`from pretrain`).
  public var previousStage: String?
  /// Frozen parameters (`freeze`, `trainable: false`) and rate multipliers (`lr_mult:`).
  public var parameters = ParameterTraining()
  /// Random changes made to each training sample, in order (`augment`).
  public var augmentations: [Augmentation] = []
  /// The name of each class, in label order (`classes`): saved with the weights, so
  /// `dlg predict`, `dlg eval` and `dlg serve` answer with names instead of indices.
  public var classNames: [String]?

  /// What happens to the gradients between the backward pass and the update, in order.
  public var gradientTransforms: [any GradientTransform] {
    clipNorm.map { [ClipGradientsByGlobalNorm(maxNorm: $0)] } ?? []
  }
}
