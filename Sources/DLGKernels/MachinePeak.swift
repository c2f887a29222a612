import CBLAS
import CVectorKernels
import Dispatch
import Foundation

/// This machine's physical limits, the ceilings of a roofline: the fused multiply-add rate
/// of all its kernel threads with the widest vectors the CPU has, and the rate it reads
/// memory at three working-set sizes (one that fits the cores' L2 caches, one that fits the
/// L3, and one that fits no cache). `dlg bench --calibrate` measures them once and
/// keeps them; `dlg bench` judges every op against them.
public struct MachinePeak: Codable, Equatable, Sendable {
  /// The read bandwidth of one working-set size.
  public struct Bandwidth: Codable, Equatable, Sendable {
    /// Bytes read over and over, split between the threads.
    public var workingSetBytes: Int
    /// Bytes read per second by all threads at once.
    public var bytesPerSecond: Double

    public init(workingSetBytes: Int, bytesPerSecond: Double) {
      self.workingSetBytes = workingSetBytes
      self.bytesPerSecond = bytesPerSecond
    }
  }

  /// The CPU's model name (`/proc/cpuinfo`), so a saved calibration is not used elsewhere.
  public var cpu: String
  /// Threads the probes ran on at once.
  public var threads: Int
  /// Float lanes of the vectors the probes used (16: AVX-512, 8: AVX2, 1: none).
  public var vectorLanes: Int
  /// Floating-point operations per second of all threads (a multiply-add counts two).
  public var flopsPerSecond: Double
  /// Read bandwidths, smallest working set first.
  public var bandwidths: [Bandwidth]
  /// OpenBLAS's sgemm of two 1536 × 1536 matrices on as many threads, FLOP/s: how close a
  /// tuned product gets to `flopsPerSecond` here.
  public var sgemmFlopsPerSecond: Double
  /// When it was measured (ISO 8601).
  public var measured: String

  public init(
    cpu: String, threads: Int, vectorLanes: Int, flopsPerSecond: Double,
    bandwidths: [Bandwidth], sgemmFlopsPerSecond: Double, measured: String
  ) {
    self.cpu = cpu
    self.threads = threads
    self.vectorLanes = vectorLanes
    self.flopsPerSecond = flopsPerSecond
    self.bandwidths = bandwidths.sorted { $0.workingSetBytes < $1.workingSetBytes }
    self.sgemmFlopsPerSecond = sgemmFlopsPerSecond
    self.measured = measured
  }

  /// The bandwidth at which `bytes` can be read: that of the smallest measured working set
  /// that holds them (data that fits a cache streams from it), else main memory's.
  public func bytesPerSecond(moving bytes: Int) -> Double {
    (bandwidths.first { bytes <= $0.workingSetBytes } ?? bandwidths.last)?.bytesPerSecond ?? 0
  }

  /// The least time work of `flops` operations that moves `bytes` can take here: the slower
  /// of doing the arithmetic at the peak rate and moving the bytes at the bandwidth.
  public func seconds(flops: Int, bytes: Int) -> Double {
    let compute = flopsPerSecond > 0 ? Double(flops) / flopsPerSecond : 0
    let bandwidth = bytesPerSecond(moving: bytes)
    let memory = bandwidth > 0 ? Double(bytes) / bandwidth : 0
    return max(compute, memory)
  }

  // MARK: - Measuring

  /// Working sets the bandwidth is read at: 256 KiB a thread (inside any L2), three quarters
  /// of the L3 (8 MiB when the system does not say), and 512 MiB (outside every cache).
  static func workingSets(threads: Int) -> [Int] {
    let l3 = levelThreeCacheBytes() ?? 0
    let inL3 = l3 >= 4 << 20 && l3 <= 1 << 30 ? l3 / 4 * 3 : 8 << 20
    // With many threads, 256 KiB each could pass the L3 set; keep the tiers in order.
    return [min(256 << 10 * max(threads, 1), inL3 / 2), inL3, 512 << 20]
  }

  /// The L3 the first CPU shares, from sysfs ("32768K"). Not sysconf's: in a virtual machine
  /// glibc reads it from CPUID, which can report the host's whole L3 (384 MiB for a 32 MiB
  /// slice).
  static func levelThreeCacheBytes() -> Int? {
    let folder = "/sys/devices/system/cpu/cpu0/cache"
    for index in 0..<8 {
      func read(_ name: String) -> String? {
        (try? String(contentsOfFile: "\(folder)/index\(index)/\(name)", encoding: .utf8))?
          .trimmingCharacters(in: .whitespacesAndNewlines)
      }
      guard let level = read("level"), level == "3", let size = read("size") else { continue }
      let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
      if let unit = size.last.flatMap({ units[$0] }), let count = Int(size.dropLast()) {
        return count.multipliedReportingOverflow(by: unit).overflow ? nil : count * unit
      }
      return Int(size)
    }
    return nil
  }

  /// Measures this machine on `threads` threads (the kernels' pool), in about two seconds.
  public static func measure(threads: Int = ThreadBudget.threads) -> MachinePeak {
    let threads = max(threads, 1)
    let flops = fmaRate(threads: threads)
    let bandwidths = workingSets(threads: threads).map {
      Bandwidth(workingSetBytes: $0, bytesPerSecond: readRate(bytes: $0, threads: threads))
    }
    let n = 1536
    let product = MatrixProduct(
      m: n, n: n, k: n, transposeA: false, transposeB: false)
    let sgemm = Double(product.flops) / SgemmReference.seconds(product, threads: threads)
    let date = ISO8601DateFormatter().string(from: Date())
    return MachinePeak(
      cpu: cpuName(), threads: threads, vectorLanes: Int(dlg_probe_lanes()),
      flopsPerSecond: flops, bandwidths: bandwidths, sgemmFlopsPerSecond: sgemm, measured: date)
  }

  /// FLOP/s of every thread running the FMA probe at once: the best of five rounds.
  static func fmaRate(threads: Int) -> Double {
    let iterations = 4_000_000
    _ = dlg_probe_fma(iterations / 10)  // wake the cores up to their clock
    var best = 0.0
    for _ in 0..<5 {
      let start = DispatchTime.now().uptimeNanoseconds
      var done = [Double](repeating: 0, count: threads)
      done.withUnsafeMutableBufferPointer { counts in
        let counts = counts.baseAddress!
        ThreadBudget.forEachPart(threads) { part in counts[part] = dlg_probe_fma(iterations) }
      }
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      best = max(best, done.reduce(0, +) / seconds)
    }
    return best
  }

  /// Bytes/s of every thread reading its share of a `bytes` buffer, as often as fills about
  /// 50 ms a round: the best of five rounds.
  static func readRate(bytes: Int, threads: Int) -> Double {
    let count = bytes / MemoryLayout<Float>.stride
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
    defer { buffer.deallocate() }
    buffer.initialize(repeating: 1, count: count)
    let passes = max(1, (256 << 20) / bytes)
    var sums = [Float](repeating: 0, count: threads)
    var best = 0.0
    for round in 0..<6 {
      let start = DispatchTime.now().uptimeNanoseconds
      sums.withUnsafeMutableBufferPointer { sums in
        let sums = sums.baseAddress!
        ThreadBudget.forEachPart(threads) { part in
          let first = count * part / threads
          let last = count * (part + 1) / threads
          for _ in 0..<passes { sums[part] += dlg_probe_read(buffer + first, last - first) }
        }
      }
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      if round > 0 { best = max(best, Double(bytes * passes) / seconds) }  // round 0 warms up
    }
    return best
  }

  /// The CPU's model name, or "unknown".
  static func cpuName() -> String {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else {
      return "unknown"
    }
    for line in text.split(separator: "\n") where line.hasPrefix("model name") {
      if let colon = line.firstIndex(of: ":") {
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      }
    }
    return "unknown"
  }

  // MARK: - Keeping it

  /// Where a calibration is kept: `$XDG_CACHE_HOME/dlg/machine-peak.json`, or
  /// `~/.cache/dlg/machine-peak.json`.
  public static var savedPath: String {
    let environment = ProcessInfo.processInfo.environment
    let cache =
      environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
      ?? (NSHomeDirectory() as NSString).appendingPathComponent(".cache")
    return ((cache as NSString).appendingPathComponent("dlg") as NSString)
      .appendingPathComponent("machine-peak.json")
  }

  /// The saved calibration, if there is one for this CPU and thread count and it reads.
  public static func saved(threads: Int = ThreadBudget.threads) -> MachinePeak? {
    guard let data = FileManager.default.contents(atPath: savedPath),
      let peak = try? JSONDecoder().decode(MachinePeak.self, from: data),
      peak.cpu == cpuName(), peak.threads == threads, peak.flopsPerSecond > 0,
      !peak.bandwidths.isEmpty
    else { return nil }
    return peak
  }

  /// Writes this calibration to `savedPath`, making its folder.
  public func save() throws {
    let path = Self.savedPath
    try FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
  }
}
