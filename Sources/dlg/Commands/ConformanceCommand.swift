import ArgumentParser
import DLG
import Foundation

/// `dlg conformance DIR...`: ONNX backend test cases through the importer and the kernels.
struct ConformanceCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "conformance",
    abstract: "Run ONNX backend test cases (model.onnx + test_data_set_*) and compare outputs.",
    discussion: """
      Each folder is one case, or holds cases (scripts/onnx-conformance.sh writes ONNX's node
      tests that way). A case passes when every output is within ONNX's tolerance (rtol 1e-3,
      atol 1e-7); it is unsupported when the importer refuses an op or attribute. The exit
      status is 1 when any case failed.

      Examples:
        dlg conformance .build/onnx-tests/node
        dlg conformance Tests/DLGONNXTests/NodeTests --json
      """)

  @ArgumentParser.Argument(help: "Case folders, or folders of cases.")
  var folders: [String] = []

  @Flag(help: "List the ONNX ops dlg imports (with --json: and what each does not implement).")
  var supportedOps = false

  @Flag(help: "One JSON object per case: name, ops, outcome, message.")
  var json = false

  @OptionGroup var threading: ThreadOptions

  func run() throws {
    threading.apply()
    if supportedOps { return try listOps() }
    guard !folders.isEmpty else {
      Terminal.failure("give folders of ONNX test cases, or --supported-ops")
      throw ExitCode.failure
    }
    var cases: [String] = []
    for folder in folders {
      if FileManager.default.fileExists(atPath: folder + "/model.onnx") {
        cases.append(folder)
      } else if let names = try? FileManager.default.contentsOfDirectory(atPath: folder) {
        cases += names.sorted().map { folder + "/" + $0 }.filter {
          FileManager.default.fileExists(atPath: $0 + "/model.onnx")
        }
      } else {
        Terminal.failure("\(folder): not a folder of ONNX test cases")
        throw ExitCode.failure
      }
    }
    var counts = (passed: 0, failed: 0, unsupported: 0)
    for folder in cases {
      let result = ONNXConformance.run(folder)
      let (outcome, message): (String, String)
      switch result.outcome {
      case .passed:
        counts.passed += 1
        (outcome, message) = ("passed", "")
      case .failed(let why):
        counts.failed += 1
        (outcome, message) = ("failed", why)
      case .unsupported(let why):
        counts.unsupported += 1
        (outcome, message) = ("unsupported", why)
      }
      if json {
        let object: [String: Any] = [
          "name": result.name, "ops": result.opTypes, "outcome": outcome, "message": message,
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
      } else {
        print("\(outcome.uppercased()) \(result.name)" + (message.isEmpty ? "" : ": \(message)"))
      }
    }
    if !json {
      print(
        "\(cases.count) cases: \(counts.passed) passed, \(counts.failed) failed, "
          + "\(counts.unsupported) unsupported")
    }
    if counts.failed > 0 { throw ExitCode.failure }
  }

  private func listOps() throws {
    for op in ONNXImportRules.supportedOpTypes {
      guard json else {
        print(op)
        continue
      }
      let limits = ONNXImportRules.rule(for: op)?.limits ?? ""
      let data = try JSONSerialization.data(
        withJSONObject: ["op": op, "limits": limits], options: [.sortedKeys])
      print(String(decoding: data, as: UTF8.self))
    }
  }
}
