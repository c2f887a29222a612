import DLG
import DLGTestData
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// `mpirun -np 2 dlg run` (docs/distributed.md), as CI runs it: as root in a container, on the
/// shared-memory transport and on TCP over loopback. Two processes end with the weights of one
/// process trained on the same global batches; a checkpoint resumes on another process count;
/// a killed rank and a batch the ranks cannot share end the job with an error.
@Suite(.serialized) struct DistributedRunTests {
  enum Transport: String, CaseIterable, Sendable {
    case sharedMemory, tcp

    /// Open MPI's transport flags: its shared-memory one (without the kernel-assisted copies a
    /// container may forbid), or TCP on the loopback interface, the multi-machine path.
    var flags: [String] {
      switch self {
      case .sharedMemory:
        ["--mca", "btl", "self,vader", "--mca", "btl_vader_single_copy_mechanism", "none"]
      case .tcp: ["--mca", "btl", "self,tcp", "--mca", "btl_tcp_if_include", "lo"]
      }
    }
  }

  /// The mpirun that starts `dlg` on `processes` processes, with the flags a container needs.
  static func mpirun(_ processes: Int, _ transport: Transport, _ arguments: [String]) -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/mpirun")
    process.arguments =
      ["-np", "\(processes)", "--oversubscribe", "--bind-to", "none"] + transport.flags
      + [CLIRunner.executable.path] + arguments
    var environment = ProcessInfo.processInfo.environment
    environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
    environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    process.environment = environment
    return process
  }

  /// Every tensor of two weight files equal within a relative 1e-5 (of the tensor's norm:
  /// the two runs add the same gradients in different orders).
  static func expectSameWeights(_ path: String, _ reference: String) throws {
    let (got, want) = (try SafeTensors.read(path), try SafeTensors.read(reference))
    #expect(Set(got.keys) == Set(want.keys))
    for (name, tensor) in want {
      let mine = try #require(got[name])
      #expect(mine.shape == tensor.shape)
      let difference = zip(mine.values, tensor.values).reduce(0.0) {
        $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1)
      }
      let norm = tensor.values.reduce(0.0) { $0 + Double($1) * Double($1) }
      let relative = (difference / max(norm, 1e-30)).squareRoot()
      #expect(relative <= 1e-5, "\(name): relative difference \(relative)")
    }
  }

  /// The last epoch's line of a JSON Lines log.
  static func lastRecord(_ path: String) throws -> [String: Double] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let line = try #require(text.split(separator: "\n").last)
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    return object.compactMapValues { ($0 as? NSNumber)?.doubleValue }
  }

  static func expectSameRecord(_ path: String, _ reference: String) throws {
    let (got, want) = (try lastRecord(path), try lastRecord(reference))
    for key in ["epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy"] {
      let (a, b) = (try #require(got[key], "\(key)"), try #require(want[key], "\(key)"))
      #expect(abs(a - b) <= 1e-5 * max(abs(b), 1), "\(key): \(a) against \(b)")
    }
  }

  @Test(arguments: Transport.allCases)
  func twoProcessesTrainLikeOne(transport: Transport) throws {
    let folder = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let data = try SyntheticData.makeFolder(train: 400, test: 100)
    defer { try? FileManager.default.removeItem(atPath: data) }
    let model = "\(folder)/model.dlg"
    try SyntheticData.model(folder: data, epochs: 2).write(
      toFile: model, atomically: true, encoding: .utf8)

    let single = try CLIRunner.run([
      "run", model, "--threads", "1", "--save", "\(folder)/one.safetensors", "--log",
      "\(folder)/one.jsonl",
    ])
    #expect(single.status == 0, "\(single.standardError)")
    // Small buckets: the step sums its gradients in several pieces.
    let two = try CLIRunner.run(
      Self.mpirun(
        2, transport,
        [
          "run", model, "--save", "\(folder)/two.safetensors", "--log", "\(folder)/two.jsonl",
          "--bucket-mb", "0.001",
        ]))
    #expect(two.status == 0, "\(two.standardError)")
    #expect(two.standardError.contains("data-parallel on 2 processes: 8 samples each"))
    // Rank 0 alone reports: one progress line per epoch.
    #expect(
      two.standardError.components(separatedBy: "epoch 2/2").count == 2, "\(two.standardError)")
    try Self.expectSameWeights("\(folder)/two.safetensors", "\(folder)/one.safetensors")
    try Self.expectSameRecord("\(folder)/two.jsonl", "\(folder)/one.jsonl")
  }

  /// A checkpoint of a single process, killed mid-run, resumed on two processes: the end is
  /// the uninterrupted single process's.
  @Test func aCheckpointResumesOnAnotherProcessCount() throws {
    let folder = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let data = try SyntheticData.makeFolder(train: 3000, test: 100)
    defer { try? FileManager.default.removeItem(atPath: data) }
    let model = "\(folder)/model.dlg"
    try SyntheticData.model(folder: data, epochs: 2).write(
      toFile: model, atomically: true, encoding: .utf8)
    let full = try CLIRunner.run([
      "run", model, "--threads", "1", "--save", "\(folder)/full.safetensors", "--log",
      "\(folder)/full.jsonl",
    ])
    #expect(full.status == 0, "\(full.standardError)")

    let checkpoint = "\(folder)/run.ckpt"
    let killedMidRun = try CLIRunner.killOnceWritten(
      checkpoint,
      arguments: [
        "run", model, "--threads", "1", "--checkpoint", checkpoint, "--checkpoint-every", "20",
      ])
    #expect(killedMidRun, "the run finished before it could be killed")

    let resumed = try CLIRunner.run(
      Self.mpirun(
        2, .sharedMemory,
        [
          "run", model, "--resume", checkpoint, "--save", "\(folder)/resumed.safetensors",
          "--log", "\(folder)/resumed.jsonl",
        ]))
    #expect(resumed.status == 0, "\(resumed.standardError)")
    #expect(resumed.standardError.contains("resuming from"))
    try Self.expectSameWeights("\(folder)/resumed.safetensors", "\(folder)/full.safetensors")
    try Self.expectSameRecord("\(folder)/resumed.jsonl", "\(folder)/full.jsonl")
  }

  /// The processes mpirun started (its children).
  static func children(of parent: Int32) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { Int32($0) }.filter { pid in
      guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
      else { return false }
      let fields = stat[stat.index(after: close)...].split(separator: " ")
      return fields.count > 1 && Int32(fields[1]) == parent
    }
  }

  @Test func aKilledRankEndsTheJob() throws {
    let folder = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let data = try SyntheticData.makeFolder(train: 6000, test: 100)
    defer { try? FileManager.default.removeItem(atPath: data) }
    let model = "\(folder)/model.dlg"
    try SyntheticData.model(folder: data, epochs: 50).write(
      toFile: model, atomically: true, encoding: .utf8)
    let checkpoint = "\(folder)/run.ckpt"
    let job = Self.mpirun(
      2, .tcp, ["run", model, "--checkpoint", checkpoint, "--checkpoint-every", "10"])
    job.standardOutput = FileHandle.nullDevice
    job.standardError = FileHandle.nullDevice
    try job.run()
    // Mid-step: once the ranks have written a checkpoint, they are training.
    CLIRunner.waitForFile(checkpoint, while: job)
    let ranks = Self.children(of: job.processIdentifier)
    #expect(ranks.count == 2, "mpirun's children: \(ranks)")
    let killedAt = Date()
    if let victim = ranks.last { kill(victim, SIGKILL) }
    while job.isRunning, Date().timeIntervalSince(killedAt) < 60 { usleep(10_000) }
    let seconds = Date().timeIntervalSince(killedAt)
    if job.isRunning { job.terminate() }
    job.waitUntilExit()
    #expect(seconds < 30, "the job went on for \(seconds) s after a rank was killed")
    #expect(job.terminationStatus != 0)
    // The checkpoint written before the kill is whole.
    #expect(throws: Never.self) { try SafeTensors.read(checkpoint) }
  }

  /// Starts a long two-process run with a checkpoint every few steps, and returns once the
  /// first checkpoint exists (the processes are training).
  static func startTraining(
    in folder: String, data: String, extra: [String] = []
  ) throws -> (job: Process, errors: Pipe, checkpoint: String) {
    let model = "\(folder)/model.dlg"
    try SyntheticData.model(folder: data, epochs: 50).write(
      toFile: model, atomically: true, encoding: .utf8)
    let checkpoint = "\(folder)/run.ckpt"
    let job = Self.mpirun(
      2, .sharedMemory,
      ["run", model, "--checkpoint", checkpoint, "--checkpoint-every", "10"] + extra)
    let errors = Pipe()
    job.standardOutput = FileHandle.nullDevice
    job.standardError = errors
    // The test runner's threads may block these signals, and mpirun would inherit that.
    var signals = sigset_t()
    sigemptyset(&signals)
    for number in [SIGINT, SIGTERM] { sigaddset(&signals, number) }
    pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    try job.run()
    // Whatever happens, the test does not wait for a job that never ends.
    let running = RunningJob(job)
    DispatchQueue.global().asyncAfter(deadline: .now() + 180) {
      guard running.job.isRunning else { return }
      for child in Self.children(of: running.job.processIdentifier) { kill(child, SIGKILL) }
      running.job.terminate()
    }
    CLIRunner.waitForFile(checkpoint, while: job)
    return (job, errors, checkpoint)
  }

  /// Ctrl-C on mpirun: every process stops at the same step, rank 0 writes the checkpoint,
  /// and the job exits non-zero with nothing half-written.
  @Test func ctrlCOnTheLauncherWritesACheckpoint() throws {
    let folder = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let data = try SyntheticData.makeFolder(train: 6000, test: 100)
    defer { try? FileManager.default.removeItem(atPath: data) }
    let (job, errors, checkpoint) = try Self.startTraining(in: folder, data: data)
    #expect(job.isRunning)
    kill(job.processIdentifier, SIGINT)
    let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    job.waitUntilExit()
    #expect(job.terminationStatus != 0)
    #expect(text.contains("interrupted at epoch"), "\(text)")
    #expect(text.contains("continue with --resume \(checkpoint)"), "\(text)")
    #expect(throws: Never.self) { try SafeTensors.read(checkpoint) }
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder).filter {
      $0.contains(".tmp-")
    }
    #expect(leftovers.isEmpty, "\(leftovers)")
  }

  /// A process that stops answering (SIGSTOP) without dying: the others give up after
  /// --peer-timeout with a message, and the job ends.
  @Test func aHungRankEndsTheJobAfterTheTimeout() throws {
    let folder = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let data = try SyntheticData.makeFolder(train: 6000, test: 100)
    defer { try? FileManager.default.removeItem(atPath: data) }
    let (job, errors, _) = try Self.startTraining(
      in: folder, data: data, extra: ["--peer-timeout", "3"])
    let ranks = Self.children(of: job.processIdentifier)
    #expect(ranks.count == 2, "mpirun's children: \(ranks)")
    let stoppedAt = Date()
    if let victim = ranks.last { kill(victim, SIGSTOP) }
    let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    job.waitUntilExit()
    let seconds = Date().timeIntervalSince(stoppedAt)
    for rank in ranks { kill(rank, SIGKILL) }
    #expect(seconds < 30, "the job went on for \(seconds) s after a rank hung")
    #expect(job.terminationStatus != 0)
    #expect(text.contains("waited 3 s for the other processes"), "\(text)")
  }

  @Test func aBatchTheProcessesCannotShareIsAnError() throws {
    let folder = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let data = try SyntheticData.makeFolder(train: 100, test: 20)
    defer { try? FileManager.default.removeItem(atPath: data) }
    let model = "\(folder)/model.dlg"
    try SyntheticData.model(folder: data, epochs: 1).write(
      toFile: model, atomically: true, encoding: .utf8)
    let result = try CLIRunner.run(Self.mpirun(2, .sharedMemory, ["run", model, "--batch", "15"]))
    #expect(result.status != 0)
    #expect(
      result.standardError.contains("batch 15 cannot be split equally among 2 processes"),
      "\(result.standardError)")
  }

  @Test func compileExplainsTheBuckets() throws {
    let folder = try CLIRunner.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let model = "\(folder)/model.dlg"
    try SyntheticData.model(folder: folder, epochs: 1).write(
      toFile: model, atomically: true, encoding: .utf8)
    let result = try CLIRunner.run([
      "compile", model, "--explain", "--processes", "2", "--bucket-mb", "0.001", "--threads", "1",
    ])
    #expect(result.status == 0, "\(result.standardError)")
    #expect(
      result.standardOutput.contains("data-parallel on 2 processes"), "\(result.standardOutput)")
    // The layers nearest the loss go first, right after the backward pass produced them; the
    // convolution's gradients, produced last, make the second bucket.
    #expect(result.standardOutput.contains("in 2 buckets"), "\(result.standardOutput)")
    #expect(
      result.standardOutput.contains(
        "bucket 0: 14.2 KiB (grad/out/BiasAdd/dBias, grad/out/MatMul/dB, grad/fc/BiasAdd/dBias, "
          + "grad/fc/MatMul/dB), starts after grad/fc/MatMul/dB"), "\(result.standardOutput)")
    #expect(result.standardOutput.contains("bucket 1: 0.2 KiB (grad/conv/"))
    let odd = try CLIRunner.run(["compile", model, "--processes", "3"])
    #expect(odd.status != 0)
    #expect(odd.standardError.contains("batch 16 cannot be split equally among 3 processes"))
  }
}

/// A job handed to the watchdog that ends it if a test would otherwise wait forever.
private struct RunningJob: @unchecked Sendable {
  let job: Process
  init(_ job: Process) { self.job = job }
}
