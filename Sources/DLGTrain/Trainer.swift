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

  public init(epochs: Int? = nil, batchSize: Int? = nil, seed: UInt64? = nil) {
    self.epochs = epochs
    self.batchSize = batchSize
    self.seed = seed
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
  private let input: ValueID
  private let labels: ValueID?
  private let targets: ValueID?
  private let loss: ValueID
  private let correct: ValueID?
  public let inference: Graph
  private let inferenceFetches: [ValueID]
  /// The loss and metrics as the evaluation graph computes them (it was optimized on its own,
  /// so its values are not the training graph's).
  private let evaluationValues: (loss: ValueID, correct: ValueID?, predicted: ValueID?)
  private var trainPlans: [Int: Executable] = [:]
  private var evalPlans: [Int: Executable] = [:]
  /// Where training stands; a checkpoint saves it and `resume(from:)` restores it.
  public internal(set) var position = TrainingPosition()
  /// Where to write checkpoints, and how often (every epoch, and every N steps if set).
  public var checkpointPath: String?
  public var checkpointEverySteps: Int?
  /// Asked after every step; when it says yes, a checkpoint is written and training stops
  /// with `TrainingError.interrupted` (the CLI wires Ctrl-C to it).
  public var shouldStop: (() -> Bool)?
  private var step: Int {
    get { position.step }
    set { position.step = newValue }
  }

  /// Builds the training graph and initializes the weights; no data is read yet.
  public init(
    model: Model, overrides: TrainingOverrides = .init(),
    optimization: OptimizationLevel = .standard
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
    self.model = model
    self.config = config
    self.input = input
    self.labels = model.labels
    self.targets = model.targets
    let correct = model.metrics.correct
    let fetches = [loss] + (correct.map { [$0] } ?? [])
    var differentiated: TrainingGraph
    do {
      differentiated = try Autodiff.trainingGraph(
        forward: model.graph, loss: loss, fetches: fetches, optimizer: config.optimizer,
        gradientTransforms: config.gradientTransforms)
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
    var generator = SeededGenerator(seed: config.seed)
    store.allocate(for: training.graph, using: &generator)
    store.allocate(for: inference, using: &generator)
  }

  /// Memory placement: shared by liveness normally, one buffer per tensor at -O0.
  private var strategy: MemoryPlanner.Strategy {
    optimization == .none ? .naive : .greedyBySize
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

  /// The part of the training data held out by `validation`, once `loadData` has run.
  public private(set) var validationData: Dataset?

  /// Loads the data sources named in the train section and checks them against the model.
  /// With `validation`, the returned training data lacks the held-out part, which is kept in
  /// `validationData` and evaluated after every epoch.
  public func loadData() throws(TrainingError) -> (train: Dataset, test: Dataset?) {
    guard let trainSpec = config.data else {
      throw .notTrainable("the train section needs a `data` source")
    }
    let classes = logitsClasses()
    var vocabulary: Vocabulary?
    let train = try DataSources.load(trainSpec, vocabulary: &vocabulary)
    try DataSources.check(train, against: model, input: input, classes: classes, spec: trainSpec)
    var training = train
    if let fraction = config.validationFraction {
      guard train.count >= 2 else {
        throw .data("\(trainSpec.location.description): too few samples to hold some out")
      }
      let parts = train.split(holdingOut: fraction, seed: config.seed)
      (training, validationData) = (parts.kept, parts.heldOut)
    }
    var test: Dataset?
    if let testSpec = config.test {
      let loaded = try DataSources.load(testSpec, vocabulary: &vocabulary)
      try DataSources.check(loaded, against: model, input: input, classes: classes, spec: testSpec)
      test = loaded
    }
    return (training, test)
  }

  /// Trains for the configured epochs, evaluating on `test` after each one.
  public func train(
    on train: Dataset, test: Dataset?, observer: TrainingObserver?,
    afterEpoch: (EpochRecord) throws(TrainingError) -> Void = { _ throws(TrainingError) in }
  ) throws(TrainingError) -> [EpochRecord] {
    if !statisticsLoaded, position.step == 0 { adaptNormalization(to: train) }
    var records: [EpochRecord] = []
    guard position.epoch <= config.epochs else { return [] }
    for epoch in position.epoch...config.epochs {
      var record = try trainEpoch(epoch, on: train, observer: observer)
      position = TrainingPosition(epoch: epoch + 1, batch: 0, step: step)
      if let validationData {
        let evaluation = evaluate(on: validationData)
        record.validationLoss = evaluation.loss
        record.validationAccuracy = evaluation.accuracy
      }
      if let test {
        let evaluation = evaluate(on: test)
        record.testLoss = evaluation.loss
        record.testAccuracy = evaluation.accuracy
        let wanted = Set(config.metrics)
        if let scores = evaluation.macroScores {
          if wanted.contains("precision") { record.testPrecision = scores.precision }
          if wanted.contains("recall") { record.testRecall = scores.recall }
          if wanted.contains("f1") { record.testF1 = scores.f1 }
          if wanted.contains("confusion") { record.confusionMatrix = evaluation.confusion }
        }
      }
      // Early stopping watches the validation loss, or the test loss without a validation
      // split. Its state is updated before the checkpoint, which keeps it for a resumed run.
      var stopping = false
      if let patience = config.earlyStoppingPatience,
        let watched = record.validationLoss ?? record.testLoss
      {
        if watched < earlyStopping.best {
          earlyStopping = EarlyStoppingState(best: watched, epochsWithoutImprovement: 0)
        } else {
          earlyStopping.epochsWithoutImprovement += 1
          stopping = earlyStopping.epochsWithoutImprovement >= patience
        }
      }
      observer?.epochFinished(record, of: config.epochs)
      records.append(record)
      if let checkpointPath { try saveCheckpoint(to: checkpointPath) }
      try afterEpoch(record)
      if stopping, let patience = config.earlyStoppingPatience {
        observer?.stoppedEarly(after: epoch, patience: patience)
        break
      }
    }
    return records
  }

  private func trainEpoch(_ epoch: Int, on data: Dataset, observer: TrainingObserver?)
    throws(TrainingError) -> EpochRecord
  {
    let batches = BatchIterator(
      count: data.count, batchSize: config.batchSize, shuffle: true, seed: config.seed,
      epoch: epoch, dropLast: false)
    // A resumed epoch continues after the batches already done, with their sums.
    var lossSum = position.lossSum
    var correctSum = position.correctSum
    var samples = position.samples
    let firstBatch = position.epoch == epoch ? position.batch : 0
    let samplesBefore = samples
    let start = DispatchTime.now().uptimeNanoseconds
    for b in firstBatch..<batches.batchCount {
      let indices = batches.indices(ofBatch: b)
      let plan = trainingPlan(batchSize: indices.count)
      feed(plan, data, indices)
      step += 1
      let rate = config.schedule.factor(
        step: step, epoch: epoch, totalSteps: config.epochs * batches.batchCount)
      plan.run(RuntimeContext(step: step, training: true, learningRateScale: rate))
      let batchLoss = plan.buffer(loss)!.floats.pointee
      guard batchLoss.isFinite else {
        throw .nonFiniteLoss(epoch: epoch, batch: b + 1, value: batchLoss)
      }
      lossSum += Double(batchLoss) * Double(indices.count)
      if let correct { correctSum += Double(plan.buffer(correct)!.floats.pointee) }
      samples += indices.count
      position = TrainingPosition(
        epoch: epoch, batch: b + 1, step: step, lossSum: lossSum, correctSum: correctSum,
        samples: samples)
      if let checkpointPath, let every = checkpointEverySteps, step % every == 0 {
        try saveCheckpoint(to: checkpointPath)
      }
      if shouldStop?() == true {
        let path = checkpointPath ?? Self.defaultCheckpointPath(for: model.file.source.path)
        try saveCheckpoint(to: path)
        throw .interrupted(epoch: epoch, batch: b + 1, checkpoint: path)
      }
      if let observer {
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        observer.batchFinished(
          epoch: epoch, batch: b + 1, of: batches.batchCount,
          samplesPerSecond: Double(samples) / max(elapsed, 1e-9),
          loss: lossSum / Double(samples),
          accuracy: correct == nil ? nil : correctSum / Double(samples))
      }
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    return EpochRecord(
      epoch: epoch, trainLoss: lossSum / Double(max(samples, 1)),
      trainAccuracy: correct == nil ? nil : correctSum / Double(max(samples, 1)),
      testLoss: nil, testAccuracy: nil, seconds: seconds,
      samplesPerSecond: Double(samples - samplesBefore) / max(seconds, 1e-9))
  }

  /// Loss and metrics over a whole dataset, in order, with the forward graph only.
  public func evaluate(on data: Dataset) -> Evaluation {
    let batches = BatchIterator(
      count: data.count, batchSize: config.batchSize, shuffle: false, seed: 0, epoch: 0,
      dropLast: false)
    let (lossValue, correctValue, predictedValue) = evaluationValues
    let classes = max(logitsClasses() ?? 0, 2)
    var confusion =
      predictedValue == nil
      ? nil
      : [[Int]](
        repeating: [Int](repeating: 0, count: classes), count: classes)
    var lossSum = 0.0
    var correctSum = 0.0
    for b in 0..<batches.batchCount {
      let indices = batches.indices(ofBatch: b)
      let plan = evaluationPlan(batchSize: indices.count)
      feed(plan, data, indices)
      plan.run(RuntimeContext(step: step, training: false))
      lossSum += Double(plan.buffer(lossValue)!.floats.pointee) * Double(indices.count)
      if let correctValue { correctSum += Double(plan.buffer(correctValue)!.floats.pointee) }
      if let predictedValue, let predicted = plan.buffer(predictedValue) {
        for (slot, index) in indices.enumerated() {
          let (truth, guess) = (Int(data.labels[index]), Int(predicted.floats[slot]))
          if truth < classes, guess < classes { confusion?[truth][guess] += 1 }
        }
      }
    }
    let count = Double(max(data.count, 1))
    return Evaluation(
      loss: lossSum / count, accuracy: correctValue == nil ? nil : correctSum / count,
      confusion: confusion)
  }

  private func feed(_ plan: Executable, _ data: Dataset, _ indices: ArraySlice<Int>) {
    guard let features = plan.buffer(input) else { return }
    if features.dtype == .int32 {
      // Word ids: stored as floats (exact below 2^24), fed as integers.
      data.gatherInts(indices, into: features.ints)
      if let labels, let labelBuffer = plan.buffer(labels) {
        for (slot, index) in indices.enumerated() { labelBuffer.ints[slot] = data.labels[index] }
      }
    } else if let labels, let labelBuffer = plan.buffer(labels) {
      data.gather(indices, features: features.floats, labels: labelBuffer.ints)
    } else {
      labelScratch.withUnsafeMutableBufferPointer { scratch in
        data.gather(indices, features: features.floats, labels: scratch.baseAddress!)
      }
    }
    if let targets, let targetBuffer = plan.buffer(targets) {
      data.gatherTargets(indices, into: targetBuffer.floats)
    }
  }

  /// Where labels go when the model has none (regression): one batch worth, reused.
  private lazy var labelScratch = [Int32](repeating: 0, count: max(config.batchSize, 1))

  /// The class count: the last dimension of the logits the loss reads (two for a binary loss).
  private func logitsClasses() -> Int? {
    guard let node = model.graph.nodes.first(where: { $0.outputs.contains(model.loss ?? loss) })
    else { return nil }
    return (node.op as? any LossOp)?.classCount(predictions: model.graph[node.inputs[0]].type)
  }
}
