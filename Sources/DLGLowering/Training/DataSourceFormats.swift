import DLGGraph

/// The data sources a train section may name: `data idx("/folder", split: "train")`. Each
/// entry checks its arguments (with the layers' binder) and fills a `DataSourceSpec`; the
/// trainer's loader of the same name reads the data.
public enum DataSourceFormats {
  public static let table = TrainingCallTable<DataSourceSpec>(kind: "data source")

  /// The folder and split of a source of image files, and the factor pixels are scaled by.
  static func images(_ name: String, testSplit: String, summary: String) -> TrainingCall<
    DataSourceSpec
  > {
    TrainingCall(
      name,
      parameters: [
        ParameterSpec("folder", .string),
        ParameterSpec("split", .string, positional: false, optional: true),
        ParameterSpec("scale", .float, default: .float(1), positional: false),
      ], summary: summary
    ) { arguments, location in
      var spec = DataSourceSpec(
        format: name, path: arguments.string("folder") ?? "",
        split: arguments.string("split") ?? "",
        scale: Float(arguments.float("scale")), location: location)
      spec.testSplit = testSplit
      return spec
    }
  }

  static let csv = TrainingCall<DataSourceSpec>(
    "csv",
    parameters: [
      ParameterSpec("file", .string),
      ParameterSpec("features", .names, positional: false, optional: true),
      ParameterSpec("targets", .names, positional: false, optional: true),
      ParameterSpec("label", .names, positional: false, optional: true),
      ParameterSpec("scale", .float, default: .float(1), positional: false),
    ], summary: "a CSV file with a header: feature, target and label columns by name"
  ) { arguments, location in
    var spec = DataSourceSpec(
      format: "csv", path: arguments.string("file") ?? "", split: "",
      scale: Float(arguments.float("scale")), location: location)
    spec.features = arguments.names("features")
    spec.targets = arguments.names("targets")
    spec.label = arguments.names("label").first
    return spec
  }

  static let text = TrainingCall<DataSourceSpec>(
    "text",
    parameters: [
      ParameterSpec("file", .string),
      ParameterSpec("vocabulary", .integer, default: .integer(10_000), positional: false),
      ParameterSpec("length", .integer, default: .integer(100), positional: false),
    ], summary: "labelled text, one sample a line: the label, a tab, the text"
  ) { arguments, location in
    var spec = DataSourceSpec(
      format: "text", path: arguments.string("file") ?? "", split: "", scale: 1, location: location)
    spec.vocabulary = arguments.integer("vocabulary")
    spec.length = arguments.integer("length")
    return spec
  }

  static let chars = TrainingCall<DataSourceSpec>(
    "chars",
    parameters: [
      ParameterSpec("file", .string),
      ParameterSpec("length", .integer, default: .integer(64), positional: false),
      ParameterSpec("vocabulary", .integer, positional: false, optional: true),
    ],
    summary:
      "a text for a character-level language model: pieces of `length` characters, each "
      + "labelled with the next character at every position"
  ) { arguments, location in
    var spec = DataSourceSpec(
      format: "chars", path: arguments.string("file") ?? "", split: "", scale: 1,
      location: location)
    spec.length = arguments.integer("length")
    // 0: every character of the training text.
    spec.vocabulary = arguments.has("vocabulary") ? arguments.integer("vocabulary") : 0
    return spec
  }
}

extension DataSourceFormats {
  static let imageFolder = TrainingCall<DataSourceSpec>(
    "images",
    parameters: [
      ParameterSpec("folder", .string),
      ParameterSpec("size", .dimensions(rank: 2)),
      ParameterSpec("channels", .integer, default: .integer(3), positional: false),
      ParameterSpec("scale", .float, default: .float(1.0 / 255), positional: false),
      ParameterSpec(
        "skip_bad", .choice(["true", "false"]), default: .name("false"), positional: false),
    ],
    summary:
      "a folder of PNG and JPEG images, one sub-folder per class, resized to `size` "
      + "(bilinear, antialiased when shrinking)"
  ) { arguments, location in
    var spec = DataSourceSpec(
      format: "images", path: arguments.string("folder") ?? "", split: "",
      scale: Float(arguments.float("scale")), location: location)
    spec.imageSize = arguments.dimensions("size")
    spec.channels = arguments.integer("channels")
    spec.skipBad = arguments.name("skip_bad") == "true"
    return spec
  }

  static let npy = TrainingCall<DataSourceSpec>(
    "npy",
    parameters: [
      ParameterSpec("archive", .string, optional: true),
      ParameterSpec("features", .string, positional: false, optional: true),
      ParameterSpec("labels", .string, positional: false, optional: true),
      ParameterSpec("scale", .float, default: .float(1), positional: false),
    ],
    summary:
      "NumPy arrays: `npy(features: \"x.npy\", labels: \"y.npy\")`, or the arrays of an "
      + "archive, `npy(\"data.npz\", features: \"x\", labels: \"y\")`; integer labels are classes, "
      + "float ones regression targets"
  ) { arguments, location in
    let archive = arguments.string("archive") ?? ""
    var spec = DataSourceSpec(
      format: "npy", path: archive, split: "", scale: Float(arguments.float("scale")),
      location: location)
    spec.features = [arguments.string("features") ?? (archive.isEmpty ? "" : "x")]
    spec.label = arguments.string("labels") ?? (archive.isEmpty ? nil : "y")
    return spec
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  DataSourceFormats.table.register(
    DataSourceFormats.images(
      "idx", testSplit: "t10k", summary: "MNIST-format IDX files (gzip or not) in a folder"),
    DataSourceFormats.images(
      "cifar", testSplit: "test", summary: "CIFAR-10 binary batches in a folder"),
    DataSourceFormats.csv, DataSourceFormats.text, DataSourceFormats.chars, DataSourceFormats.npy,
    DataSourceFormats.imageFolder)
}
