import DLGGraph
import DLGLang

/// One layer of a lowered model, as diagrams and summaries show it.
public struct LayerInfo: Sendable {
  /// The layer's id (`conv`), or a generated one (`dense_2`) in sequential mode.
  public var id: String
  public var type: String
  /// Arguments as written, for labels (`32, 3x3, relu`).
  public var argumentsText: String
  public var label: String?
  /// Ids of the layers feeding it.
  public var inputs: [String]
  /// Its output value; nil for layers that could not be lowered (not executable).
  public var output: ValueID?
  public var outputType: TensorType?
  public var parameterCount: Int
  public var family: OpFamily
  public var location: SourceRange
  /// The block instances it sits in, outermost first (`["b1"]`); empty at the top level.
  public var blockPath: [String] = []
}

/// One use of a block in a model: `b1: ConvBlock[32]` (repeated uses get `b1.1`, `b1.2`, ...).
public struct BlockInstance: Sendable {
  public var id: String
  /// The block's name (`ConvBlock`).
  public var type: String
  /// The enclosing instance, for blocks used inside blocks.
  public var parent: String?
}

/// A `.dlg` file lowered to a static forward graph, with everything training needs.
public struct Model: Sendable {
  public var file: ModelFile
  public var title: String?
  public var direction: String?
  /// The forward graph, including the loss and metrics when there is a train section.
  public var graph: Graph
  public var layers: [LayerInfo]
  /// The data input (the first Input layer) and its value.
  public var input: ValueID?
  /// Class labels `i32[N]`, present when a loss uses `labels`.
  public var labels: ValueID?
  /// Regression targets (the predictions' shape), present when a loss uses `targets`.
  public var targets: ValueID? = nil
  /// Outputs of the network: the layers nothing else reads.
  public var outputs: [ValueID]
  public var loss: ValueID?
  /// The metric values the loss appended.
  public var metrics = ModelMetrics()
  public var training: TrainingConfig?
  /// Top-level layer and block ids → their outputs (what a loss may name).
  public var namedOutputs: [String: ValueID] = [:]
  /// Every block use, for drawing them as clusters.
  public var blockInstances: [BlockInstance] = []
  /// What the layers say about training their parameters (`trainable:`, `lr_mult:`); the
  /// train section's `freeze` adds to it in `training.parameters`.
  public var parameterTraining = ParameterTraining()
  /// The train stage the graph was lowered for (its `stage:` layers run); nil for inference.
  public var stage: String?

  /// Every value fed from outside before a step, by name: each `Input` layer by its id, and
  /// `labels` or `targets` when the loss reads them.
  public var inputs: [String: ValueID] {
    Dictionary(
      graph.values { $0.role == .input }.map { (graph[$0].name, $0) },
      uniquingKeysWith: { first, _ in first })
  }

  /// Total trainable parameters.
  public var parameterCount: Int {
    graph.parameters.reduce(0) { $0 + graph[$1].type.elementsPerItem }
  }
}

/// The metric values a model's loss appended, by what they mean.
public struct ModelMetrics: Sendable {
  /// Correct predictions in the batch, a count (accuracy = correct / samples).
  public var correct: ValueID?
  /// Each sample's predicted class (precision, recall, F1, the confusion matrix).
  public var predicted: ValueID?

  public init(correct: ValueID? = nil, predicted: ValueID? = nil) {
    self.correct = correct
    self.predicted = predicted
  }

  /// Every metric value present, in a fixed order.
  public var all: [ValueID] { [correct, predicted].compactMap { $0 } }
}
