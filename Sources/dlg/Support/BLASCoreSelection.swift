import CBLAS

#if canImport(Glibc)
  import Glibc
#endif

/// Makes OpenBLAS use the kernels this CPU can run.
///
/// OpenBLAS picks its kernels once, when the library loads, from the CPU model it reads. On
/// virtual machines that report a generic model ("Intel Xeon Processor") Debian's OpenBLAS
/// 0.3.21 falls back to its Prescott (SSE3) kernels: 5× slower GEMM on a CPU with AVX-512
/// (measured here: 14 GFLOP/s instead of 78 on the Dense layer of the Fashion-MNIST CNN).
/// The choice can only be changed through `OPENBLAS_CORETYPE` before the library loads, so
/// when OpenBLAS chose a generic core on a CPU with AVX2 or AVX-512, `dlg` sets it and
/// re-executes itself once. A user's own `OPENBLAS_CORETYPE` is always respected.
enum BLASCoreSelection {
  /// Cores OpenBLAS falls back to when it does not recognise the CPU.
  static let genericCores: Set<String> = ["prescott", "core2", "katmai", "coppermine", "unknown"]

  static func reexecuteWithBetterCoreIfNeeded() {
    #if os(Linux)
      guard getenv("OPENBLAS_CORETYPE") == nil,
        let name = openblas_get_corename().map({ String(cString: $0).lowercased() }),
        genericCores.contains(name), let core = bestCore()
      else { return }
      setenv("OPENBLAS_CORETYPE", core, 1)
      execv("/proc/self/exe", CommandLine.unsafeArgv)
    // If exec fails we simply carry on with the kernels already loaded.
    #endif
  }

  /// The best OpenBLAS core for this CPU's instruction set, from /proc/cpuinfo's flags.
  static func bestCore() -> String? {
    guard let file = fopen("/proc/cpuinfo", "r") else { return nil }
    defer { fclose(file) }
    var line: UnsafeMutablePointer<CChar>?
    var capacity = 0
    defer { free(line) }
    while getline(&line, &capacity, file) > 0, let line {
      let text = String(cString: line)
      guard text.hasPrefix("flags") else { continue }
      let flags = Set(text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }))
      if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq"]) {
        return "SkylakeX"
      }
      if flags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
      return nil
    }
    return nil
  }
}
