import DLGGraph
import DLGLang

/// How a weights file lays its tensors out: as dlg writes them, or as PyTorch does (`Linear`
/// weights `[out, in]`, `Conv2d` weights `[out, in, kh, kw]`, normalization scales named
/// `weight` and `bias`), converted to dlg's layout as they load.
public enum WeightsLayout: String, Sendable, CaseIterable {
  case dlg
  case pytorch
}

/// A renamed prefix: the file's tensor `enc.conv.weight` is the model's
/// `encoder.conv.weight` when `file` is `enc.` and `model` is `encoder.`.
public struct PrefixRename: Sendable, Hashable {
  public var file: String
  public var model: String

  public init(file: String, model: String) {
    self.file = file
    self.model = model
  }

  /// `"enc. -> encoder."`; either side may be empty (`"backbone. -> "` drops a prefix).
  public init?(parsing text: String) {
    let parts = text.components(separatedBy: "->")
    guard parts.count == 2 else { return nil }
    file = parts[0].trimmingCharacters(in: .whitespaces)
    model = parts[1].trimmingCharacters(in: .whitespaces)
    guard file != model else { return nil }
  }
}

/// `init "encoder.safetensors"` or `init weights("model.safetensors", prefix: "enc. -> ",
/// layout: pytorch)`: the weights a run starts from instead of random ones, matched by name.
public struct WeightsInitSpec: Sendable {
  public var path: String
  public var renames: [PrefixRename] = []
  public var layout: WeightsLayout = .dlg
  /// Where the setting is written; nil when it comes from the command line (`--init`).
  public var location: SourceRange?

  public init(
    path: String, renames: [PrefixRename] = [], layout: WeightsLayout = .dlg,
    location: SourceRange? = nil
  ) {
    self.path = path
    self.renames = renames
    self.layout = layout
    self.location = location
  }

  /// The model's name for a file's tensor: the first rename whose file prefix matches, else
  /// the name itself.
  public func modelName(forFileTensor name: String) -> String {
    for rename in renames where name.hasPrefix(rename.file) {
      return rename.model + name.dropFirst(rename.file.count)
    }
    return name
  }
}

/// The `weights(...)` call of an `init` setting.
enum WeightsInitCalls {
  static let table = TrainingCallTable<WeightsInitSpec>(kind: "weights source")

  static let weights = TrainingCall<WeightsInitSpec>(
    "weights",
    parameters: [
      ParameterSpec("file", .string),
      ParameterSpec("prefix", .names, positional: false, optional: true),
      ParameterSpec(
        "layout", .choice(WeightsLayout.allCases.map(\.rawValue)), default: .name("dlg"),
        positional: false),
    ],
    summary:
      "a safetensors file to start from, with renamed prefixes (`\"enc. -> encoder.\"`) and "
      + "its layout (`dlg`, or `pytorch` for `safetensors.torch.save_file`)"
  ) { arguments, location in
    var spec = WeightsInitSpec(
      path: arguments.string("file") ?? "",
      layout: WeightsLayout(rawValue: arguments.name("layout") ?? "dlg") ?? .dlg,
      location: location)
    // Checked by the lowering, which can report the ones without an arrow.
    spec.renames = arguments.names("prefix").map {
      PrefixRename(parsing: $0) ?? PrefixRename(file: $0, model: $0)
    }
    return spec
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  WeightsInitCalls.table.register(WeightsInitCalls.weights)
}

extension TrainSectionLowering {
  /// `init "file.safetensors"` or `init weights("file", prefix: [...], layout: pytorch)`.
  mutating func weightsInit(_ entry: TrainEntry) -> WeightsInitSpec? {
    if case .string(let path) = entry.value.kind {
      return WeightsInitSpec(path: path, location: entry.value.range)
    }
    guard case .call = entry.value.kind else {
      diagnostics.append(
        Diagnostic(
          code: "E420", "init takes a weights file", at: entry.value.range,
          help: "write `init \"encoder.safetensors\"`, or `init weights(\"model.safetensors\", "
            + "prefix: \"enc. -> encoder.\", layout: pytorch)`"))
      return nil
    }
    guard let spec = WeightsInitCalls.table.lower(entry.value, code: "E420", into: &diagnostics)
    else { return nil }
    for rename in spec.renames where rename.file == rename.model {
      diagnostics.append(
        Diagnostic(
          code: "E420", "a prefix rename is written `\"file prefix -> model prefix\"`",
          at: entry.value.range,
          help: "for example `prefix: \"enc. -> encoder.\"` loads the file's `enc.conv.weight` "
            + "as the model's `encoder.conv.weight`"))
      return nil
    }
    return spec
  }
}
