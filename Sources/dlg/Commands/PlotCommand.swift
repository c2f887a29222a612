import ArgumentParser
import DLG
import Foundation

/// `dlg plot LOG.jsonl -o curves.svg`: training curves from a `dlg run --log` file.
struct PlotCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plot", abstract: "Draw loss and accuracy per epoch from a --log file as SVG.",
    discussion: """
      Examples:
        dlg plot run.jsonl -o curves.svg
      """)

  @ArgumentParser.Argument(help: "A JSON Lines log written by `dlg run --log`.")
  var log: String

  @Option(name: .shortAndLong, help: "The SVG file to write.")
  var output: String

  func run() throws {
    guard let data = FileManager.default.contents(atPath: log) else {
      Terminal.failure("cannot read \(log): no such file")
      throw ExitCode.failure
    }
    var records: [EpochRecord] = []
    let decoder = JSONDecoder()
    for (index, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated()
    where !line.trimmingCharacters(in: .whitespaces).isEmpty {
      do {
        records.append(try decoder.decode(EpochRecord.self, from: Data(line.utf8)))
      } catch {
        Terminal.failure(
          "\(log):\(index + 1): not an epoch record (expected the JSON objects `dlg run --log` writes)"
        )
        throw ExitCode.failure
      }
    }
    guard !records.isEmpty else {
      Terminal.failure("\(log) has no epoch records")
      throw ExitCode.failure
    }
    guard CurvesFile.write(records, to: output, title: nil) else {
      Terminal.failure("cannot write \(output)")
      throw ExitCode.failure
    }
    Terminal.errorLine("wrote \(output)")
  }
}

/// Writes training curves, shared by `dlg plot` and `dlg run --plot`.
enum CurvesFile {
  static func write(_ records: [EpochRecord], to path: String, title: String?) -> Bool {
    let svg = TrainingCurves.svg(records, title: title)
    return (try? FileOutput.write(Array(svg.utf8), to: path)) != nil
  }
}
