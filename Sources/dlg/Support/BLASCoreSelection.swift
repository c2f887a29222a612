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
/// A CPU that OpenBLAS knows by model but not yet by its AVX-512 (a release that predates a
/// CPU's AVX-512 maps it to an AVX2 core such as Zen or Haswell) runs sgemm at about half
/// speed: on a Zen 5 EPYC the Haswell kernels gave 250 GFLOP/s on two cores against 480 with
/// the SkylakeX ones. (There 0.3.21 does not know the model and picks Cooperlake by its
/// features, which is right.)
/// The choice can only be changed through `OPENBLAS_CORETYPE` before the library loads, so
/// when OpenBLAS chose a core with narrower vectors than the CPU has, `dlg` sets it and
/// re-executes itself once. A user's own `OPENBLAS_CORETYPE` is always respected.
enum BLASCoreSelection {
  /// Cores OpenBLAS falls back to when it does not recognise the CPU.
  static let genericCores: Set<String> = ["prescott", "core2", "katmai", "coppermine", "unknown"]
  /// Cores whose kernels use AVX-512, and cores whose widest are AVX2.
  static let avx512Cores: Set<String> = ["skylakex", "cooperlake", "sapphirerapids"]
  static let avx2Cores: Set<String> = ["haswell", "zen", "skylake", "excavator"]

  /// 2 for AVX-512 kernels, 1 for AVX2, 0 for anything older.
  static func vectorRank(_ core: String) -> Int {
    let name = core.lowercased()
    return avx512Cores.contains(name) ? 2 : avx2Cores.contains(name) ? 1 : 0
  }

  static func reexecuteWithBetterCoreIfNeeded() {
    #if os(Linux)
      guard getenv("OPENBLAS_CORETYPE") == nil,
        let name = openblas_get_corename().map({ String(cString: $0).lowercased() }),
        let core = bestCore(),
        genericCores.contains(name) || vectorRank(core) > vectorRank(name)
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
