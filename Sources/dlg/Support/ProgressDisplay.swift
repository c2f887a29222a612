import DLG
import Foundation

/// Shows training progress: a redrawn bar with rate and ETA on a terminal; otherwise one plain
/// line per epoch, and within a long epoch a plain progress line every 30 seconds (logs and CI
/// stay readable, and a log never goes silent for minutes).
final class ProgressDisplay: TrainingObserver {
  private let interactive: Bool
  private var lastDraw = 0.0
  /// When the first batch of the current epoch finished; the ETA extrapolates from it.
  private var epochStart: Double?
  private let width = 30

  init(interactive: Bool) { self.interactive = interactive }

  func batchFinished(
    epoch: Int, batch: Int, of batches: Int, samplesPerSecond: Double, loss: Double,
    accuracy: Double?
  ) {
    let now = Date().timeIntervalSince1970
    if batch == 1 || epochStart == nil { epochStart = now }
    let perBatch = batch > 1 ? (now - (epochStart ?? now)) / Double(batch - 1) : 0
    let eta = Double(batches - batch) * perBatch
    guard interactive else {
      if lastDraw == 0 { lastDraw = now }
      guard batch < batches, now - lastDraw >= 30 else { return }
      lastDraw = now
      Terminal.errorLine(
        String(
          format: "epoch %d: batch %d/%d  %.0f samples/s  ETA %@  loss %.4f", epoch, batch,
          batches, samplesPerSecond, Self.clock(eta), loss))
      return
    }
    guard batch == batches || now - lastDraw >= 0.1 else { return }
    lastDraw = now
    let fraction = Double(batch) / Double(max(batches, 1))
    let filled = Int(fraction * Double(width))
    let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
    var line = String(
      format: "\r\u{1B}[2Kepoch %d %@ %d/%d  %.0f samples/s  ETA %@  loss %.4f", epoch, bar,
      batch, batches, samplesPerSecond, Self.clock(eta), loss)
    if let accuracy { line += String(format: "  acc %.4f", accuracy) }
    Terminal.error(line)
  }

  /// When the last epoch line was printed: thousands of tiny epochs (a regression on five
  /// points) print about one line a second, plus the first three and the last.
  private var lastEpochLine = 0.0

  func epochFinished(_ record: EpochRecord, of epochs: Int) {
    if interactive { Terminal.error("\r\u{1B}[2K") }
    let now = Date().timeIntervalSince1970
    guard record.epoch <= 3 || record.epoch == epochs || now - lastEpochLine >= 1 else { return }
    lastEpochLine = now
    var line = String(
      format: "epoch %d/%d  loss %.4f", record.epoch, epochs, record.trainLoss)
    if let accuracy = record.trainAccuracy { line += String(format: "  acc %.4f", accuracy) }
    if let loss = record.validationLoss { line += String(format: "  val_loss %.4f", loss) }
    if let accuracy = record.validationAccuracy {
      line += String(format: "  val_acc %.4f", accuracy)
    }
    if let testLoss = record.testLoss { line += String(format: "  test_loss %.4f", testLoss) }
    if let testAccuracy = record.testAccuracy {
      line += String(format: "  test_acc %.4f", testAccuracy)
    }
    if let f1 = record.testF1 { line += String(format: "  test_f1 %.4f", f1) }
    line += String(
      format: "  %.1fs  %.0f samples/s", record.seconds, record.samplesPerSecond)
    Terminal.errorLine(line)
    if record.epoch == epochs, let confusion = record.confusionMatrix {
      Terminal.errorLine(ConfusionText.render(confusion))
    }
    epochStart = nil
  }

  func stoppedEarly(after epoch: Int, patience: Int) {
    Terminal.errorLine(
      "stopped early after epoch \(epoch): the test loss has not improved for \(patience) epochs")
  }

  static func clock(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    return s >= 3600
      ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
      : String(format: "%d:%02d", s / 60, s % 60)
  }
}

/// A confusion matrix as an aligned table: one row per true class, one column per prediction.
enum ConfusionText {
  static func render(_ matrix: [[Int]]) -> String {
    let width = max(5, String(matrix.flatMap { $0 }.max() ?? 0).count + 1)
    let pad = { (text: String) in String(repeating: " ", count: max(width - text.count, 0)) + text }
    var lines = ["confusion matrix (rows: true class, columns: predicted)"]
    lines.append("      " + matrix.indices.map { pad(String($0)) }.joined())
    for (index, row) in matrix.enumerated() {
      lines.append(pad(String(index)) + " " + row.map { pad(String($0)) }.joined())
    }
    return lines.joined(separator: "\n")
  }
}
