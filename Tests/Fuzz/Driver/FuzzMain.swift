import DLGFuzzHarnesses
import Foundation

// Built by scripts/fuzz.sh (`-sanitize=fuzzer,address -DDLG_FUZZING`), this is a libFuzzer
// target: `main` hands the command line to libFuzzer's driver, with `--harness=NAME` (which
// libFuzzer ignores, as it ignores every `--` flag) choosing the reader. Built normally, it
// replays files through a harness, to reproduce a finding without the sanitizers, and writes
// the seed corpus.

#if DLG_FUZZING
  typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32

  @_silgen_name("LLVMFuzzerRunDriver")
  func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: FuzzCallback
  ) -> Int32

  nonisolated(unsafe) private var selected: FuzzHarness?

  // SwiftPM links an executable's `main` to `<module>_main`; libFuzzer's own `main` is not
  // linked in, so this is the program's entry point.
  @_cdecl("dlg_fuzz_main")
  func fuzzMain(
    _ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
  ) -> Int32 {
    let arguments = (0..<Int(argc)).compactMap { argv[$0] }.map { String(cString: $0) }
    guard let name = FuzzArguments.harnessName(arguments), let harness = FuzzHarness.named(name)
    else {
      FuzzArguments.printUsage()
      return 2
    }
    selected = harness
    var count = argc
    var vector: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return runFuzzerDriver(&count, &vector) { data, size in
      let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
      _ = selected?.run(bytes)
      return 0
    }
  }
#else
  @main struct FuzzReplay {
    static func main() throws {
      let arguments = Array(CommandLine.arguments.dropFirst())
      if let index = arguments.firstIndex(of: "--write-seeds"), index + 1 < arguments.count {
        let count = try FuzzSeeds.write(to: arguments[index + 1])
        print("wrote \(count) seeds under \(arguments[index + 1])")
        return
      }
      guard let name = FuzzArguments.harnessName(arguments), let harness = FuzzHarness.named(name)
      else {
        FuzzArguments.printUsage()
        exit(2)
      }
      for path in arguments where !path.hasPrefix("-") {
        for file in FuzzArguments.files(at: path) {
          let bytes = [UInt8](FileManager.default.contents(atPath: file) ?? Data())
          print("\(file): \(harness.run(bytes) ? "accepted" : "refused")")
        }
      }
    }
  }
#endif

/// The driver's own command line.
enum FuzzArguments {
  static func harnessName(_ arguments: [String]) -> String? {
    arguments.first { $0.hasPrefix("--harness=") }.map { String($0.dropFirst("--harness=".count)) }
  }

  static func printUsage() {
    let names = FuzzHarness.all.map(\.name).joined(separator: ", ")
    FileHandle.standardError.write(
      Data(
        """
        usage: dlg-fuzz --harness=NAME [libFuzzer flags] [corpus folders]   (fuzzer build)
               dlg-fuzz --harness=NAME FILE-OR-FOLDER...                    (replay)
               dlg-fuzz --write-seeds FOLDER
        harnesses: \(names)

        """.utf8))
  }

  /// The file, or the files in the folder (sorted).
  static func files(at path: String) -> [String] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return [] }
    guard isDirectory.boolValue else { return [path] }
    let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    return names.sorted().map { "\(path)/\($0)" }
  }
}
