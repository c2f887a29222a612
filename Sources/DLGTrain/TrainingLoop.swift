import DLGData
import DLGGraph
import DLGLowering
import DLGPasses
import DLGRuntime
import Dispatch

extension Trainer {
  /// Trains for the configured epochs, evaluating on `test` after each one.
  public func train(
    on train: Dataset, test: Dataset?, observer: TrainingObserver?,
    afterEpoch: (EpochRecord) throws(TrainingError) -> Void = { _ throws(TrainingError) in }
  ) throws(TrainingError) -> [EpochRecord] {
    if !statisticsLoaded, position.step == 0 { adaptNormalization(to: train) }
    try checkProcessesMatch(train: train, test: test)
    broadcastState()
    try checkProcessesAgree(when: "at the start")
    var records: [EpochRecord] = []
    guard position.epoch <= config.epochs else { return [] }
    for epoch in position.epoch...config.epochs {
      var record = try trainEpoch(epoch, on: train, observer: observer)
      position = TrainingPosition(epoch: epoch + 1, batch: 0, step: step)
      averageStatistics()
      try checkProcessesAgree(when: "after epoch \(epoch)")
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
      if writesOutputs { try afterEpoch(record) }
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
    guard firstBatch <= batches.batchCount else {
      // A checkpoint from the middle of an epoch over more data than this run has.
      throw .data(
        "the checkpoint stopped after batch \(firstBatch) of epoch \(epoch), but this data has "
          + "only \(batches.batchCount) batches an epoch: resume with the data (and batch size) "
          + "it was written with")
    }
    let samplesBefore = samples
    let start = DispatchTime.now().uptimeNanoseconds
    // Several processes share each batch; a last batch of fewer samples than processes would
    // leave some without any, so every process leaves it out.
    var batchCount = batches.batchCount
    if processCount > 1, batchCount > 0,
      batches.indices(ofBatch: batchCount - 1).count < processCount
    {
      batchCount -= 1
    }
    for b in firstBatch..<max(batchCount, firstBatch) {
      let global = batches.indices(ofBatch: b)
      let indices = localSlice(of: global)
      let plan = trainingPlan(batchSize: indices.count)
      feed(plan, data, indices)
      // An augmenter exists only for a float input (`Trainer.augmenter(for:input:)`).
      if let augmenter, let features = plan.buffer(input) {
        augmenter.apply(to: features.floats, indices: indices, epoch: epoch)
      }
      step += 1
      let rate = config.schedule.factor(
        step: step, epoch: epoch, totalSteps: config.epochs * batchCount)
      var context = RuntimeContext(
        step: step, training: true, learningRateScale: rate, communicator: communicator)
      context.gradientShare = Float(indices.count) / Float(global.count)
      context.firstSample = indices.startIndex - global.startIndex
      plan.run(context)
      // The batch's loss and metrics over every process, and whether any was asked to stop:
      // all stop at the same step, or the others would wait for it forever.
      var sums: [Double] = [
        Double(plan.buffer(loss)!.floats.pointee) * Double(indices.count),
        correct.map { Double(plan.buffer($0)!.floats.pointee) } ?? 0,
        shouldStop?() == true ? 1 : 0,
      ]
      sumOverProcesses(&sums)
      let batchLoss = Float(sums[0] / Double(global.count))
      guard batchLoss.isFinite else {
        throw .nonFiniteLoss(epoch: epoch, batch: b + 1, value: batchLoss)
      }
      lossSum += sums[0]
      correctSum += sums[1]
      samples += global.count
      position = TrainingPosition(
        epoch: epoch, batch: b + 1, step: step, lossSum: lossSum, correctSum: correctSum,
        samples: samples)
      if let checkpointPath, let every = checkpointEverySteps, step % every == 0 {
        try saveCheckpoint(to: checkpointPath)
      }
      if sums[2] > 0 {
        let path = checkpointPath ?? Self.defaultCheckpointPath(for: model.file.source.path)
        try saveCheckpoint(to: path)
        throw .interrupted(epoch: epoch, batch: b + 1, checkpoint: path)
      }
      if let observer {
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        observer.batchFinished(
          epoch: epoch, batch: b + 1, of: batchCount,
          samplesPerSecond: Double(samples) / max(elapsed, 1e-9),
          loss: lossSum / Double(samples),
          accuracy: correct == nil ? nil : correctSum / Double(samples * labelsPerSample))
      }
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    var record = EpochRecord(
      epoch: epoch, trainLoss: lossSum / Double(max(samples, 1)),
      trainAccuracy: correct == nil
        ? nil : correctSum / Double(max(samples * labelsPerSample, 1)),
      testLoss: nil, testAccuracy: nil, seconds: seconds,
      samplesPerSecond: Double(samples - samplesBefore) / max(seconds, 1e-9))
    record.stage = config.stage
    return record
  }
}
