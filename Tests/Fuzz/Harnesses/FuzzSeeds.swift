import DLG
import Foundation

/// The seed corpus of every harness: small valid inputs written by dlg's own writers (and the
/// repository's example models), so fuzzing starts from files that reach deep into each
/// reader. `dlg-fuzz --write-seeds Tests/Fuzz/Corpus` writes them again after a format changes.
public enum FuzzSeeds {
  /// Writes `folder/HARNESS/NAME` for every seed; returns how many.
  public static func write(to folder: String) throws -> Int {
    let root = URL(fileURLWithPath: FuzzResources.standardLibrary[0]).deletingLastPathComponent()
    var seeds: [(harness: String, name: String, bytes: [UInt8])] = []
    func add(_ harness: String, _ name: String, _ bytes: [UInt8]) {
      seeds.append((harness, name, bytes))
    }
    func add(_ harness: String, _ name: String, _ text: String) {
      add(harness, name, Array(text.utf8))
    }

    // Models: the examples and the standard library, and the checkpoint model.
    for sub in ["graphs", "graphs/mermaid", "stdlib"] {
      let dir = root.appendingPathComponent(sub)
      let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
      for name in names.sorted() where name.hasSuffix(".dlg") {
        let bytes = try [UInt8](Data(contentsOf: dir.appendingPathComponent(name)))
        add("model", sub.replacingOccurrences(of: "/", with: "-") + "-" + name, bytes)
      }
    }
    add("model", "checkpoint-model.dlg", FuzzResources.modelText)
    add("mermaid", "flowchart.mmd", flowchart)
    add("mermaid", "document.md", "# Notes\n\n```mermaid\n\(flowchart)```\n\ntext\n")
    add("mermaid", "graph-td.mmd", "graph TD\n  a --> b\n  b --> c & d\n  c -.->|maybe| a\n")

    // Weights and a checkpoint of the harnesses' model, as initialized.
    let scratch = NSTemporaryDirectory() + "dlg-fuzz-seeds-\(getpid())"
    try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    let trainer = FuzzResources.trainer
    try trainer.saveWeights(to: "\(scratch)/w.safetensors")
    try trainer.saveCheckpoint(to: "\(scratch)/c.safetensors")
    let weights = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(scratch)/w.safetensors")))
    let checkpoint = try [UInt8](
      Data(contentsOf: URL(fileURLWithPath: "\(scratch)/c.safetensors")))
    add("safetensors", "weights.safetensors", weights)
    add("safetensors", "checkpoint.safetensors", checkpoint)
    add("checkpoint", "checkpoint.safetensors", checkpoint)
    add("checkpoint", "weights.safetensors", weights)
    // The harnesses' model exported to ONNX, and a few of ONNX's node tests.
    let exported = try ModelExport.onnx(
      model: trainer.model, weights: "\(scratch)/w.safetensors", options: ONNXExportOptions())
    add("onnx", "exported.onnx", try ONNXFile.encode(exported))
    let nodeTests = root.appendingPathComponent("Tests/DLGONNXTests/NodeTests")
    for name in [
      "test_conv_with_strides_padding", "test_gemm_all_attributes", "test_maxpool_2d_same_upper",
      "test_batchnorm_example", "test_softmax_axis_1", "test_reshape_negative_dim",
      "test_concat_2d_axis_0", "test_transpose_all_permutations_3",
    ] {
      let path = nodeTests.appendingPathComponent(name).appendingPathComponent("model.onnx")
      if let bytes = FileManager.default.contents(atPath: path.path) {
        add("onnx", name + ".onnx", [UInt8](bytes))
      }
    }

    // Data files.
    func file(_ name: String, _ write: (String) throws -> Void) throws -> [UInt8] {
      let path = "\(scratch)/\(name)"
      try write(path)
      return try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    }
    let pixels = (0..<3 * 4 * 4).map { UInt8($0 * 5 % 256) }
    for gzip in [false, true] {
      let images = try file("i\(gzip)") {
        try IDXWriter.write(path: $0, dimensions: [3, 4, 4], bytes: pixels, gzip: gzip)
      }
      let labels = try file("l\(gzip)") {
        try IDXWriter.write(path: $0, dimensions: [3], bytes: [0, 1, 2], gzip: gzip)
      }
      add(
        "idx", gzip ? "images-labels.gz.idx" : "images-labels.idx", FuzzInput.join(images, labels))
    }
    let cifar = try file("c.bin") {
      try CIFARDataset.write(
        path: $0, images: (0..<2 * 3072).map { UInt8($0 % 251) }, labels: [3, 7])
    }
    add("cifar", "two-records.bin", cifar)
    add("csv", "classes.csv", "a,b,label\n0.5,1,0\n-2,3e-2,1\n4,5,2\n")
    add("csv", "regression.csv", "x1, x2, y\n1, 2, 3.5\n2, 4, 7.25\n")
    add(
      "text", "reviews.tsv",
      "1\tA fine film, well acted.\n0\tDull and far too long.\n\n1\tLoved it\n")
    add("chars", "english.txt", "The quick brown fox jumps over the lazy dog.\nAnd again!\n")
    add("chars", "chinese.txt", "\u{1B}[31m学而时习之，不亦说乎？\u{1B}[0m\n有朋自远方来，不亦乐乎？\n")
    add(
      "npy", "matrix.npy",
      try file("m.npy") {
        try NPY.write(path: $0, shape: [2, 3], values: [0, 1, -2.5, 3, 1e-3, 5])
      })
    add(
      "npy", "vector.npy",
      try file("v.npy") { try NPY.write(path: $0, shape: [4], values: [1, 2, 3, 4]) })
    add(
      "npz", "arrays.npz",
      NPZ.archive([
        ("x", NPY.encode(descr: "|u1", shape: [2, 2], payload: [0, 64, 128, 255])),
        (
          "y", NPY.encode(descr: "<i8", shape: [2], payload: [1] + [UInt8](repeating: 0, count: 15))
        ),
      ]))
    let picture = Image(
      width: 6, height: 4, channels: 3, pixels: (0..<72).map { UInt8($0 * 3) })
    add("image", "rgb.png", ImageFile.encode(picture) ?? [])
    add("image", "rgb.jpg", ImageFile.encode(picture, jpegQuality: 80) ?? [])
    add(
      "image", "gray.jpg",
      ImageFile.encode(
        Image(width: 3, height: 3, channels: 1, pixels: [0, 50, 100, 150, 200, 250, 1, 2, 3]),
        jpegQuality: 60) ?? [])
    add(
      "npz", "compressed.npz",
      NPZ.archive(
        [("x", NPY.encode(descr: "<f4", shape: [1], payload: [0, 0, 128, 63]))], deflated: true))

    // Predict requests for the request harness's two decoders.
    add("request", "image.json", #"{"inputs": [[[1, 2, 3], [4, 5, 6]], [1, 2, 3, 4, 5, 6]]}"#)
    add("request", "ids.json", #"{"inputs": [[1, 2, 3, 4, 5], "a good film"], "top_k": 2}"#)
    add("request", "escapes.json", #"{"inputs": ["bad \u00e9\ud83d\ude00 long\n"]}"#)
    add("request", "image.npy", NPY.bytes(shape: [1, 2, 3, 1], values: [0, 1, 2, 3, 4, 5]))
    add("request", "ids.npy", NPY.bytes(shape: [5], values: [0, 1, 2, 3, 4]))

    for seed in seeds {
      let dir = "\(folder)/\(seed.harness)"
      try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
      try Data(seed.bytes).write(to: URL(fileURLWithPath: "\(dir)/\(seed.name)"))
    }
    return seeds.count
  }

  static let flowchart = """
    flowchart LR
      %% shapes, edge kinds, labels, a subgraph and a fan-out
      A[Start] --> B{Is it?}
      B -- Yes --> C(Round)
      B -.-> D((Circle))
      C ==> E>Flag]
      subgraph S1 [Group]
        direction TB
        F[[Subroutine]] --- G[(Database)]
      end
      A & B --> F
      G -->|done| H{{Hexagon}}

    """
}
