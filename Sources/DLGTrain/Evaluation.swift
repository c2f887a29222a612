import DLGData
import DLGGraph
import DLGLowering
import DLGPasses
import DLGRuntime
import Dispatch

extension Trainer {
  /// Loss and metrics over a whole dataset, in order, with the forward graph only. In a
  /// data-parallel run each process evaluates every N-th batch and the sums are added up, so
  /// every process returns the whole dataset's numbers.
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
    for b in stride(from: rank, to: batches.batchCount, by: processCount) {
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
    if processCount > 1 {
      var sums = [lossSum, correctSum] + (confusion?.flatMap { $0.map(Double.init) } ?? [])
      sumOverProcesses(&sums)
      (lossSum, correctSum) = (sums[0], sums[1])
      if confusion != nil {
        confusion = (0..<classes).map { row in
          (0..<classes).map { Int(sums[2 + row * classes + $0]) }
        }
      }
    }
    let count = Double(max(data.count, 1))
    return Evaluation(
      loss: lossSum / count,
      accuracy: correctValue == nil ? nil : correctSum / (count * Double(labelsPerSample)),
      confusion: confusion)
  }
}
