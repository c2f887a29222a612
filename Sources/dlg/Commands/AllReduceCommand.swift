import ArgumentParser
import DLG
import Dispatch
import Foundation

/// `mpirun -np N dlg allreduce`: times MPI's all-reduce of float buffers across the job's
/// processes, the collective data-parallel training runs once per gradient bucket, and sets
/// each time beside the ring model's, 2(N−1)·α + 2(N−1)/N · bytes/β (docs/distributed.md).
struct AllReduceCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "allreduce",
    abstract: "Time the all-reduce between the processes of an MPI job against the ring model.",
    discussion: """
      Run it under mpirun or srun. α (the latency of one message) is measured on a 4-byte \
      all-reduce; β is the link's bandwidth: --link-gbit when given (a shaped link), else \
      fitted to the largest size.

      Examples:
        mpirun -np 2 dlg allreduce
        scripts/two-machines.sh --rate 1gbit -- dlg allreduce --link-gbit 1
      """)

  @Option(
    parsing: .unconditional,
    help: "Sizes to time, in bytes (k, m suffixes), comma-separated.")
  var sizes = "4,4k,64k,1m,4m,16m,64m"

  @Option(parsing: .unconditional, help: "Timed repetitions per size (the median is shown).")
  var repetitions: Int = 15

  @Option(parsing: .unconditional, help: "The link's bandwidth in Gbit/s, for the model.")
  var linkGbit: Double?

  @Flag(help: "Print the result as JSON.")
  var json = false

  func validate() throws {
    guard (1...10_000).contains(repetitions) else {
      throw ValidationError("--repetitions must be between 1 and 10000")
    }
    if let linkGbit, !(0.001...10_000).contains(linkGbit) {
      throw ValidationError("--link-gbit must be between 0.001 and 10000")
    }
    guard let parsed = Self.parseSizes(sizes), !parsed.isEmpty else {
      throw ValidationError("--sizes: give byte counts such as 4,64k,16m (at most 1g each)")
    }
    _ = parsed
  }

  static func parseSizes(_ text: String) -> [Int]? {
    var result: [Int] = []
    for piece in text.split(separator: ",") {
      var digits = piece.lowercased()
      var unit = 1
      if digits.hasSuffix("k") { unit = 1 << 10 }
      if digits.hasSuffix("m") { unit = 1 << 20 }
      if digits.hasSuffix("g") { unit = 1 << 30 }
      if unit > 1 { digits.removeLast() }
      guard let count = Int(digits), count > 0, count <= (1 << 30) / unit else { return nil }
      result.append(max(4, count * unit / 4 * 4))
    }
    return result
  }

  func run() throws {
    let sizes = Self.parseSizes(sizes) ?? []
    guard MPICommunicator.launchedByMPI else {
      Terminal.failure("dlg allreduce times the processes of an MPI job: run it under mpirun -np N")
      throw ExitCode.failure
    }
    let communicator: MPICommunicator
    do { communicator = try MPICommunicator() } catch {
      Terminal.failure(error.description)
      throw ExitCode.failure
    }
    let processes = communicator.size
    guard processes > 1 else {
      communicator.finish()
      Terminal.failure("dlg allreduce needs at least 2 processes: mpirun -np 2 dlg allreduce")
      throw ExitCode.failure
    }
    var measured: [Double] = []
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: (sizes.max() ?? 4) / 4)
    defer { buffer.deallocate() }
    buffer.initialize(repeating: 1, count: (sizes.max() ?? 4) / 4)
    for size in sizes {
      var times: [Double] = []
      for round in 0..<(repetitions + 2) {
        // A barrier of sorts: every process starts each round together.
        var zero = 0.0
        communicator.allReduceSum(&zero, count: 1)
        let start = DispatchTime.now().uptimeNanoseconds
        communicator.allReduceSum(buffer, count: size / 4)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if round >= 2 { times.append(seconds) }
      }
      // The slowest process's time is the collective's.
      var slowest = times.sorted()[times.count / 2]
      var all = [Double](repeating: 0, count: processes)
      all[communicator.rank] = slowest
      all.withUnsafeMutableBufferPointer {
        communicator.allReduceSum($0.baseAddress!, count: processes)
      }
      slowest = all.max() ?? slowest
      measured.append(slowest)
    }
    let steps = Double(2 * (processes - 1))
    let alpha = processes > 1 ? measured[sizes.firstIndex(of: sizes.min()!)!] / steps : 0
    let largest = sizes.indices.max { sizes[$0] < sizes[$1] }!
    let fitted =
      steps / Double(processes) * Double(sizes[largest])
      / max(measured[largest] - steps * alpha, 1e-12)
    let beta = linkGbit.map { $0 * 1e9 / 8 } ?? fitted
    let model = sizes.map { steps * alpha + steps / Double(processes) * Double($0) / beta }
    if communicator.rank == 0 {
      if json {
        let rows = sizes.indices.map { i in
          "{\"bytes\": \(sizes[i]), \"measured_ms\": \(measured[i] * 1e3), "
            + "\"model_ms\": \(model[i] * 1e3), \"ratio\": \(measured[i] / model[i])}"
        }
        _ = Terminal.output(
          "{\"processes\": \(processes), \"alpha_us\": \(alpha * 1e6), \"beta_gbit\": "
            + "\(beta * 8 / 1e9), \"sizes\": [\(rows.joined(separator: ", "))]}\n")
      } else {
        var lines = [
          String(
            format: "%d processes; α = %.1f µs (4-byte all-reduce / 2(N−1)); β = %.2f Gbit/s (%@)",
            processes, alpha * 1e6, beta * 8 / 1e9, linkGbit == nil ? "fitted" : "--link-gbit"),
          "      bytes   measured ms   model ms   measured/model",
        ]
        for i in sizes.indices {
          lines.append(
            String(
              format: "%11d   %11.3f   %8.3f   %14.2f", sizes[i], measured[i] * 1e3,
              model[i] * 1e3, measured[i] / model[i]))
        }
        _ = Terminal.output(lines.joined(separator: "\n") + "\n")
      }
    }
    communicator.finish()
  }
}
