// swift-tools-version: 6.0
import Foundation
import PackageDescription

// Swift compiles SIMD code for the baseline x86-64 (SSE2) unless told otherwise, which runs
// the kernels' 16-float vectors as four 4-float halves. Release builds target x86-64-v3 (AVX2
// and FMA: every x86 CPU since 2013-2015); set DLG_PORTABLE=1 to build for any x86-64, or when
// using dlg as a package dependency (SwiftPM refuses compiler flags in dependencies).
//
// Debug builds optimize the kernels anyway: their SIMD loops (the vector exp and tanh above
// all) run a hundred times slower unoptimized, which made the debug test suite spend minutes
// in a handful of transcendental functions. Everything else stays unoptimized for debugging.
let kernelSettings: [SwiftSetting] = {
  guard ProcessInfo.processInfo.environment["DLG_PORTABLE"] == nil else { return [] }
  var settings: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]
  #if arch(x86_64)
    settings.append(.unsafeFlags(["-Xcc", "-march=x86-64-v3"], .when(configuration: .release)))
  #endif
  return settings
}()

// The same for the C kernels: optimized in debug builds too (their intrinsics run many times
// slower at -O0), and nothing for ISA, which they choose at run time.
let kernelCSettings: [CSetting] =
  ProcessInfo.processInfo.environment["DLG_PORTABLE"] == nil
  ? [.unsafeFlags(["-O2"], .when(configuration: .debug))] : []

// scripts/fuzz.sh sets DLG_FUZZ=1 and instruments every module (`-sanitize=fuzzer,address`):
// then `dlg-fuzz` is a libFuzzer target, linked by lld (gold stops with an internal error on
// libFuzzer's objects).
let fuzzing = ProcessInfo.processInfo.environment["DLG_FUZZ"] != nil

let package = Package(
  name: "dlg",
  platforms: [.macOS(.v14)],
  products: [
    .library(name: "DLG", targets: ["DLG"]),
    .executable(name: "dlg", targets: ["dlg"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    // ONNX files are protobuf: the generated code is committed (scripts/generate-onnx-protobuf.sh).
    .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    // `dlg serve`: the HTTP server (routing, body limits, graceful shutdown on SIGTERM).
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
  ],
  targets: [
    // System libraries.
    .systemLibrary(
      name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev"])]),
    .systemLibrary(
      name: "CGraphviz", path: "Sources/CGraphviz", pkgConfig: "libgvc",
      providers: [.apt(["libgraphviz-dev"])]),
    .systemLibrary(
      name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
      providers: [.apt(["zlib1g-dev"])]),
    // PNG and JPEG decoding for `images(...)` data and `dlg predict` on image files: a small C
    // target, because libjpeg reports errors by longjmp.
    .target(
      name: "CImageCodecs",
      linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg")]),

    // The bounds of the registry section (header only): how ops, layers and kernels register
    // themselves from their own files.
    .target(name: "CRegistry"),

    // Open MPI (`libopenmpi-dev`) for data-parallel training: mpi.h, and inline functions for
    // the handles it defines as macros.
    .systemLibrary(
      name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c",
      providers: [.apt(["libopenmpi-dev"])]),

    // Pipeline stages, in the order data flows through them. DLGSource is the vocabulary of
    // source locations the language, the IR and tools share; DLGGraph is the IR alone (no
    // kernels, no C libraries); DLGLowering turns syntax into it.
    .target(name: "DLGSource"),
    // Writing files as users expect (atomically, keeping modes, through links): every output.
    .target(name: "DLGFiles"),
    // The elementwise instructions the IR writes and the kernels run: data only.
    .target(name: "DLGInstructions"),
    .target(name: "DLGLang", dependencies: ["DLGSource"]),
    // The kernels that need the widest vectors (AVX-512, else AVX2), chosen at run time: Dense
    // layers at small batches on packed weights, f32 or int8 (`dlg quantize`), and
    // convolutions with few output channels; and the roofline's FMA and read probes.
    .target(name: "CVectorKernels", cSettings: kernelCSettings),
    .target(
      name: "DLGKernels",
      dependencies: ["CBLAS", "CVectorKernels", "DLGInstructions"],
      swiftSettings: kernelSettings),
    .target(name: "DLGGraph", dependencies: ["DLGSource", "DLGInstructions", "CRegistry"]),
    .target(name: "DLGLowering", dependencies: ["DLGLang", "DLGGraph"]),
    .target(name: "DLGPasses", dependencies: ["DLGGraph"]),
    .target(
      name: "DLGRuntime",
      dependencies: ["DLGGraph", "DLGPasses", "DLGKernels", "DLGFiles", "CZlib"]),
    .target(name: "DLGData", dependencies: ["CZlib", "CImageCodecs", "DLGFiles"]),
    .target(
      name: "DLGInference",
      dependencies: ["DLGLowering", "DLGGraph", "DLGPasses", "DLGRuntime", "DLGKernels", "DLGData"]),
    .target(
      name: "DLGTrain",
      dependencies: [
        "DLGLang", "DLGKernels", "DLGGraph", "DLGLowering", "DLGPasses", "DLGRuntime", "DLGData",
      ]),
    // Data-parallel training across processes: the Open MPI communicator (docs/distributed.md).
    .target(name: "DLGDistributed", dependencies: ["CMPI", "DLGRuntime"]),
    .target(name: "DLGViz", dependencies: ["CGraphviz"]),
    // ONNX files: reading, writing, and the mapping between ONNX's ops and dlg's (docs/onnx.md).
    .target(
      name: "DLGONNX",
      dependencies: [
        "DLGGraph", "DLGFiles", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ],
      exclude: ["Protobuf/onnx.proto"]),
    // `dlg lsp`: the language server, on the front end alone (no kernels, no C libraries).
    .target(name: "DLGLanguageServer", dependencies: ["DLGLang", "DLGLowering", "DLGGraph"]),
    .target(
      name: "DLG",
      dependencies: [
        "DLGLang", "DLGGraph", "DLGLowering", "DLGPasses", "DLGRuntime", "DLGData", "DLGInference",
        "DLGTrain", "DLGViz", "DLGFiles", "DLGONNX", "DLGDistributed",
      ]),
    // What a predict request's body may hold, read and checked without HTTP (so it is fuzzed).
    .target(name: "DLGServeRequests", dependencies: ["DLGData"]),
    // `dlg serve`: HTTP inference with dynamic batching, metrics and a page to try the model.
    .target(
      name: "DLGServe",
      dependencies: [
        "DLG", "DLGServeRequests", .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "NIOCore", package: "swift-nio"),
      ]),
    .executableTarget(
      name: "dlg",
      dependencies: [
        "DLG", "DLGLanguageServer", "DLGServe",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),

    // Tests: one target per module, plus end-to-end CLI tests.
    .testTarget(name: "DLGLangTests", dependencies: ["DLGLang"]),
    .testTarget(name: "DLGKernelsTests", dependencies: ["DLGKernels", "DLGTestSupport"]),
    .testTarget(name: "DLGGraphTests", dependencies: ["DLGGraph"]),
    .testTarget(name: "DLGLoweringTests", dependencies: ["DLGLowering", "DLGGraph", "DLGLang"]),
    .testTarget(
      name: "DLGPassesTests",
      dependencies: ["DLGPasses", "DLGGraph", "DLGLang", "DLGRuntime", "DLGTestSupport"]),
    .testTarget(
      name: "DLGRuntimeTests",
      dependencies: [
        "DLGRuntime", "DLGPasses", "DLGGraph", "DLGLowering", "DLGLang", "DLGTestSupport",
      ]),
    .testTarget(name: "DLGDataTests", dependencies: ["DLGData", "CZlib", "DLGFiles"]),
    // Shared by tests: a deterministic generator, and small generated datasets.
    .target(
      name: "DLGTestSupport",
      dependencies: ["DLGKernels", "DLGGraph", "DLGPasses", "DLGRuntime"],
      path: "Tests/DLGTestSupport"),
    .target(name: "DLGTestData", dependencies: ["DLGData"], path: "Tests/DLGTestData"),
    .testTarget(
      name: "DLGTrainTests",
      dependencies: ["DLGTrain", "DLGData", "DLG", "DLGKernels", "DLGTestData", "DLGTestSupport"]),
    .testTarget(name: "DLGVizTests", dependencies: ["DLGViz"]),
    .testTarget(name: "DLGLanguageServerTests", dependencies: ["DLGLanguageServer"]),
    .testTarget(
      name: "DLGONNXTests", dependencies: ["DLGONNX", "DLG", "DLGTestSupport"],
      exclude: ["NodeTests"]),
    .testTarget(
      name: "DLGServeTests", dependencies: ["DLGServe", "DLGServeRequests", "DLGTestData"]),
    .testTarget(name: "CLITests", dependencies: ["dlg", "DLG", "DLGTestData"], exclude: ["Golden"]),

    // Fuzzing (docs/reliability.md): one harness per reader of user input, a driver that is a
    // libFuzzer target when built by scripts/fuzz.sh (and replays files otherwise), and a test
    // that runs the committed corpus and every past finding.
    .target(
      name: "DLGFuzzHarnesses", dependencies: ["DLG", "DLGServeRequests"],
      path: "Tests/Fuzz/Harnesses"),
    .executableTarget(
      name: "dlg-fuzz", dependencies: ["DLGFuzzHarnesses"], path: "Tests/Fuzz/Driver",
      swiftSettings: fuzzing ? [.define("DLG_FUZZING")] : [],
      linkerSettings: fuzzing ? [.unsafeFlags(["-use-ld=lld"])] : []),
    .testTarget(name: "DLGFuzzTests", dependencies: ["DLGFuzzHarnesses"]),
  ]
)
