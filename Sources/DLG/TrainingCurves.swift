import DLGTrain
import DLGViz

/// Loss and accuracy per epoch, train, validation and test, as an SVG chart.
public enum TrainingCurves {
  public static func svg(_ records: [EpochRecord], title: String? = nil) -> String {
    func series(_ name: String, dashed: Bool, _ value: (EpochRecord) -> Double?) -> LineChart
      .Series?
    {
      let points = records.compactMap { record in value(record).map { (Double(record.epoch), $0) } }
      return points.isEmpty ? nil : LineChart.Series(name: name, points: points, dashed: dashed)
    }
    var panels = [
      LineChart.Panel(
        title: "Loss", xLabel: "epoch",
        series: [
          series("train", dashed: false) { $0.trainLoss },
          series("validation", dashed: true) { $0.validationLoss },
          series("test", dashed: true) { $0.testLoss },
        ].compactMap { $0 })
    ]
    let accuracy = [
      series("train", dashed: false) { $0.trainAccuracy },
      series("validation", dashed: true) { $0.validationAccuracy },
      series("test", dashed: true) { $0.testAccuracy },
    ].compactMap { $0 }
    if !accuracy.isEmpty {
      panels.append(LineChart.Panel(title: "Accuracy", xLabel: "epoch", series: accuracy))
    }
    return LineChart.svg(panels, title: title)
  }
}
