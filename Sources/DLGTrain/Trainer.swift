import DLGData
import DLGGraph
import DLGLowering
import DLGPasses
import DLGRuntime
import Dispatch

/// Settings given on the command line that override the model file's train section.
public struct TrainingOverrides: Sendable {
  public var epochs: Int?
  public var batchSize: Int?
  public var seed: UInt64?
  /// `--init FILE`: the weights to start from, in place of the file's `init`.
  public var initialization: WeightsInitSpec?
  /// `--limit N`: train on the first N samples of the data source.
  public var limit: Int?

  public init(
    epochs: Int? = nil, batchSize: Int? = nil, seed: UInt64? = nil,
    initialization: WeightsInitSpec? = nil
  ) {
    self.epochs = epochs
    self.batchSize = batchSize
    self.seed = seed
    self.initialization = initialization
  }
}

/// Trains a model: the training step is built once as a static graph (forward, backward,
/// update), compiled for the batch size, and run over shuffled mini-batches; after each epoch
/// the test set is evaluated with the forward graph alone.
public final class Trainer {
  public let model: Model
  public let config: TrainingConfig
  public let training: TrainingGraph
  /// What each optimization pass did to the training graph and to the inference graph.
  public let trainingReports: [PassReport]
  public let inferenceReports: [PassReport]
  public let optimization: OptimizationLevel
  public let store = ParameterStore()
  let input: ValueID
  let labels: ValueID?
  let targets: ValueID?
  let loss: ValueID
  let correct: ValueID?
  public let inference: Graph
  let inferenceFetches: [ValueID]
  /// The loss and metrics as the evaluation graph computes them (it was optimized on its own,
  /// so its values are not the training graph's).
  let evaluationValues: (loss: ValueID, correct: ValueID?, predicted: ValueID?)
  private var trainPlans: [Int: Executable] = [:]
  private var evalPlans: [Int: Executable] = [:]
  /// Where training stands; a checkpoint saves it and `resume(from:)` restores it.
  public internal(set) var position = TrainingPosition()
  /// Where to write checkpoints, and how often (every epoch, and every N steps if set).
  public var checkpointPath: String?
  public var checkpointEverySteps: Int?
  /// Checkpoints kept: the newest at `checkpointPath`, older ones at `PATH.1`, `PATH.2`, ...
  public var keepCheckpoints = 1
  /// Asked after every step; when it says yes, a checkpoint is written and training stops
  /// with `TrainingError.interrupted` (the CLI wires Ctrl-C to it).
  public var shouldStop: (() -> Bool)?
  var step: Int {
    get { position.step }
    set { position.step = newValue }
  }

  /// The other processes of a data-parallel run (`DataParallel.swift`); nil for one process.
  public let communicator: (any Communicator)?

  /// Builds the training graph and initializes the weights; no data is read yet. With a
  /// `communicator` of several processes, the step sums its gradients over them in buckets of
  /// `bucketBytes` (the first one smaller, to start early).
  public init(
    model: Model, overrides: TrainingOverrides = .init(),
    optimization: OptimizationLevel = .standard, communicator: (any Communicator)? = nil,
    bucketBytes: Int = 25 << 20
  ) throws(TrainingError) {
    guard var config = model.training else {
      throw .notTrainable("the model has no train section: add one to train it")
    }
    guard let input = model.input, let loss = model.loss else {
      throw .notTrainable("the model needs an Input layer and a loss to be trained")
    }
    config.epochs = overrides.epochs ?? config.epochs
    config.batchSize = overrides.batchSize ?? config.batchSize
    config.seed = overrides.seed ?? config.seed
    config.initialization = overrides.initialization ?? config.initialization
    if let limit = overrides.limit { config.data?.limit = limit }
    self.model = model
    self.config = config
    self.communicator = communicator
    self.input = input
    self.labels = model.labels
    self.targets = model.targets
    let correct = model.metrics.correct
    let fetches = [loss] + (correct.map { [$0] } ?? [])
    var differentiated: TrainingGraph
    // Gradients are summed over the processes first: clipping reads the global gradient.
    let averaging: [any GradientTransform] =
      (communicator?.size ?? 1) > 1
      ? [
        AverageGradientsAcrossProcesses(
          bucketBytes: bucketBytes, firstBucketBytes: min(1 << 20, bucketBytes))
      ]
      : []
    do {
      differentiated = try Autodiff.trainingGraph(
        forward: model.graph, loss: loss, fetches: fetches, optimizer: config.optimizer,
        gradientTransforms: averaging + config.gradientTransforms, parameters: config.parameters)
    } catch {
      throw .notTrainable("cannot differentiate the model: \(error.description)")
    }
    let (optimized, reports) = GraphOptimizer.optimize(
      differentiated.graph, fetches: differentiated.fetches, level: optimization,
      evaluator: KernelConstantEvaluator())
    differentiated.graph = optimized.graph
    differentiated.fetches = optimized.fetches
    differentiated.gradients = differentiated.gradients.mapValues(optimized.resolve)
    training = differentiated
    trainingReports = reports
    // Evaluation also reads the predicted classes when precision, recall or the confusion
    // matrix are asked for.
    let evaluationFetches = fetches + (model.metrics.predicted.map { [$0] } ?? [])
    let (forward, forwardReports) = GraphOptimizer.optimize(
      DeadCodeElimination.run(model.graph, keeping: evaluationFetches),
      fetches: evaluationFetches, level: optimization, evaluator: KernelConstantEvaluator())
    inference = forward.graph
    inferenceFetches = forward.fetches
    evaluationValues = (
      forward.resolve(loss), correct.map(forward.resolve),
      model.metrics.predicted.map(forward.resolve)
    )
    inferenceReports = forwardReports
    self.loss = optimized.resolve(loss)
    self.correct = correct.map(optimized.resolve)
    self.optimization = optimization
    augmenter = Self.augmenter(for: config, input: model.graph[input].type)
    try checkBatchDivides()
    // Parameters and optimizer state are allocated next, the step's arena later: refuse a
    // model whose step cannot fit before either.
    try checkMemory(batchSize: config.batchSize / (communicator?.size ?? 1))
    var generator = SeededGenerator(seed: config.seed)
    store.allocate(for: training.graph, using: &generator)
    store.allocate(for: inference, using: &generator)
    // Weights the step does not reach (another stage's head) still belong to the model: they
    // are saved with it and handed on.
    store.allocate(for: model.graph, using: &generator)
  }

  /// What `augment` does to each training batch; nil without it.
  public let augmenter: Augmenter?

  static func augmenter(for config: TrainingConfig, input: TensorType) -> Augmenter? {
    guard !config.augmentations.isEmpty, input.dtype == .float32 else { return nil }
    let kinds = config.augmentations.map(\.kind)
    if input.rank == 4, case .fixed(let height) = input.shape[1],
      case .fixed(let width) = input.shape[2], case .fixed(let channels) = input.shape[3]
    {
      return Augmenter(kinds, height: height, width: width, channels: channels, seed: config.seed)
    }
    return Augmenter(kinds, height: 1, width: 1, channels: input.elementsPerItem, seed: config.seed)
  }

  /// Parameters the step updates: all but the frozen ones (and those the loss does not reach).
  public var trainedParameterCount: Int {
    training.gradients.keys.reduce(0) { $0 + model.graph[$1].type.elementsPerItem }
  }

  /// Memory placement: shared by liveness normally, one buffer per tensor at -O0.
  private var strategy: MemoryPlanner.Strategy {
    optimization == .none ? .naive : .greedyBySize
  }

  /// Checks that a training step at `batchSize` fits in memory beside the weights, before its
  /// arena is allocated.
  public func checkMemory(batchSize: Int) throws(TrainingError) {
    let arena = MemoryBudget.arenaBytes(
      of: training.graph, batch: batchSize, fetches: training.fetches, strategy: strategy)
    let weights = MemoryBudget.persistentBytes(of: training.graph)
    let total = arena > Int.max - weights ? Int.max : arena + weights
    if let problem = MemoryBudget.problem(
      needing: total,
      for: "training at batch \(batchSize) (weights, optimizer state and one step's tensors)")
    {
      throw .notTrainable(problem + ": use a smaller batch or smaller layers")
    }
  }

  /// The compiled training step for a batch size (planned once, then reused).
  public func trainingPlan(batchSize: Int) -> Executable {
    if let plan = trainPlans[batchSize] { return plan }
    let plan = Executable(
      graph: training.graph, batchSize: batchSize, fetches: training.fetches, store: store,
      strategy: strategy)
    trainPlans[batchSize] = plan
    return plan
  }

  /// The compiled forward pass (loss and metrics only) for a batch size.
  public func evaluationPlan(batchSize: Int) -> Executable {
    if let plan = evalPlans[batchSize] { return plan }
    let plan = Executable(
      graph: inference, batchSize: batchSize, fetches: inferenceFetches, store: store,
      strategy: strategy)
    evalPlans[batchSize] = plan
    return plan
  }

  /// The best watched loss so far and the epochs since it improved (saved in checkpoints).
  public internal(set) var earlyStopping = EarlyStoppingState()

  /// True once weights or a checkpoint have been loaded: the `Normalize` statistics came with
  /// them and are not measured again.
  var statisticsLoaded = false
  /// The weights `initializeWeights` set from a file.
  var initializedWeights = Set<ValueID>()

  /// The ids of a text model's words or characters, once `loadData` has built them; saved
  /// with the weights.
  public internal(set) var vocabulary: Vocabulary?

  /// The names of the classes, when the data has them (an image folder's sub-folders); saved
  /// with the weights.
  public internal(set) var classNames: [String]?

  /// What loading the data had to say (files left out with `skip_bad: true`).
  public internal(set) var dataNotes: [String] = []

  /// The part of the training data held out by `validation`, once `loadData` has run.
  public internal(set) var validationData: Dataset?

  func feed(_ plan: Executable, _ data: Dataset, _ indices: ArraySlice<Int>) {
    guard let features = plan.buffer(input) else { return }
    if features.dtype == .int32 {
      // Word ids: stored as floats (exact below 2^24), fed as integers.
      data.gatherInts(indices, into: features.ints)
      if let labels, let labelBuffer = plan.buffer(labels) {
        data.gatherLabels(indices, into: labelBuffer.ints)
      }
    } else if let labels, let labelBuffer = plan.buffer(labels) {
      data.gather(indices, features: features.floats, labels: labelBuffer.ints)
    } else {
      data.gather(indices, features: features.floats, labels: nil)
    }
    if let targets, let targetBuffer = plan.buffer(targets) {
      data.gatherTargets(indices, into: targetBuffer.floats)
    }
  }

  /// Labels the loss reads per sample: 1 for a classifier, the length for a language model.
  var labelsPerSample: Int { labels.map { model.graph[$0].type.elementsPerItem } ?? 1 }

  /// The class count: the last dimension of the logits the loss reads (two for a binary loss).
  func logitsClasses() -> Int? {
    guard let node = model.graph.nodes.first(where: { $0.outputs.contains(model.loss ?? loss) })
    else { return nil }
    return (node.op as? any LossOp)?.classCount(predictions: model.graph[node.inputs[0]].type)
  }
}
