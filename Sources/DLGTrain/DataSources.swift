import DLGData
import DLGGraph
import DLGLowering
import Foundation

/// What loading the training data hands on to loading the test data, which must map words
/// and classes the same way, and what loading had to say.
struct DataLoadContext {
  /// A text source's vocabulary: built from the training data, used by the test data.
  var vocabulary: Vocabulary?
  /// An image folder's classes, likewise.
  var classNames: [String]?
  /// Files left out (`skip_bad: true`), for the user to see.
  var notes: [String] = []
}

/// Reads one data-source format: what the train section's entry of the same name
/// (`DataSourceFormats`) checked, from disk.
struct DataLoader: Sendable {
  var format: String
  var load: @Sendable (DataSourceSpec, inout DataLoadContext) throws(DataError) -> Dataset
}

/// Loads the dataset a `train` section names, and checks it fits the model before training.
enum DataSources {
  static let loaders = RegistryTable<DataLoader>()

  /// Loads a source, its path taken relative to the model file.
  static func load(_ spec: DataSourceSpec, context: inout DataLoadContext) throws(TrainingError)
    -> Dataset
  {
    var spec = spec
    // An empty path (`npy(features: ...)` names its files itself) stays empty.
    if !spec.path.isEmpty { spec.path = resolve(spec.path, relativeTo: spec.location.file) }
    guard let loader = loaders.all.first(where: { $0.format == spec.format }) else {
      throw .data("\(spec.location.description): unknown data source `\(spec.format)`")
    }
    do {
      var data = try loader.load(spec, &context)
      if let limit = spec.limit, limit < data.count { data = data.subset(Array(0..<limit)) }
      if let subset = spec.subset { data = data.choosing(subset, seed: spec.subsetSeed) }
      return data
    } catch {
      throw .data("\(spec.location.description): \(error.description)")
    }
  }

  /// Data paths are relative to the model file, like imports, so a model runs from anywhere.
  static func resolve(_ path: String, relativeTo modelFile: String) -> String {
    guard !path.hasPrefix("/") else { return path }
    return URL(fileURLWithPath: modelFile).deletingLastPathComponent()
      .appendingPathComponent(path).path
  }

  /// The samples must have the model input's shape and the labels must index its classes.
  static func check(
    _ dataset: Dataset, against model: Model, input: ValueID, classes: Int?, spec: DataSourceSpec
  ) throws(TrainingError) {
    let expected = Array(model.graph[input].type.dimensions(batch: 1).dropFirst())
    // Samples are contiguous, so any input shape with the same number of values reads them
    // as they are: 28×28 images feed Input[28, 28, 1] or Input[784] alike.
    guard dataset.sampleShape.reduce(1, *) == expected.reduce(1, *) else {
      let shapeText = { (dims: [Int]) in dims.map(String.init).joined(separator: "×") }
      throw .data(
        "\(spec.location.description): the data has samples of shape "
          + "\(shapeText(dataset.sampleShape)), but the model's input is \(shapeText(expected))")
    }
    if let targets = model.targets {
      let width = model.graph[targets].type.elementsPerItem
      guard dataset.targetWidth == width else {
        throw .data(
          "\(spec.location.description): the model predicts \(width) value(s) per sample, but "
            + "the data has \(dataset.targetWidth) target column(s)"
            + (dataset.targetWidth == 0 ? "; name them with `targets: [...]`" : ""))
      }
    }
    if let labels = model.labels {
      let width = model.graph[labels].type.elementsPerItem
      guard dataset.labelWidth == width else {
        throw .data(
          "\(spec.location.description): the loss reads \(width) label(s) per sample, but the "
            + "data has \(dataset.labelWidth)"
            + (dataset.labelWidth > 1
              ? "; a language model's output must keep the sequence: [N, length, vocabulary]"
              : "; a sequence loss needs a source with a label per position, such as chars(...)"))
      }
    }
    if let classes, dataset.classCount > classes {
      throw .data(
        "\(spec.location.description): the data has labels up to \(dataset.classCount - 1), "
          + "but the model's output has only \(classes) classes")
    }
    guard dataset.count > 0 else {
      throw .data("\(spec.location.description): the dataset is empty")
    }
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  DataSources.loaders.add(
    DataLoader(format: "idx") { spec, _ throws(DataError) in
      try IDXDataset.load(directory: spec.path, split: spec.split, scale: spec.scale)
    })
  DataSources.loaders.add(
    DataLoader(format: "cifar") { spec, _ throws(DataError) in
      try CIFARDataset.load(directory: spec.path, split: spec.split, scale: spec.scale)
    })
  DataSources.loaders.add(
    DataLoader(format: "csv") { spec, _ throws(DataError) in
      try CSVDataset.load(
        path: spec.path, features: spec.features, targets: spec.targets, label: spec.label,
        scale: spec.scale)
    })
  DataSources.loaders.add(
    DataLoader(format: "images") { spec, context throws(DataError) in
      let loaded = try ImageFolderDataset.load(
        folder: spec.path, height: spec.imageSize[0], width: spec.imageSize[1],
        channels: spec.channels, scale: spec.scale, skipBad: spec.skipBad,
        classes: context.classNames)
      context.classNames = loaded.dataset.classNames
      context.notes += loaded.skipped.map { "skipped \($0)" }
      return loaded.dataset
    })
  DataSources.loaders.add(
    DataLoader(format: "npy") { spec, _ throws(DataError) in
      let relative = { (path: String) in DataSources.resolve(path, relativeTo: spec.location.file) }
      guard let features = spec.features.first, !features.isEmpty else {
        throw DataError(
          spec.location.file, "npy(...) needs its features",
          help: "write `npy(features: \"x.npy\", labels: \"y.npy\")`")
      }
      if spec.path.isEmpty {
        return try NPYDataset.load(
          features: relative(features), labels: spec.label.map(relative), scale: spec.scale)
      }
      return try NPYDataset.load(
        archive: spec.path, features: features, labels: spec.label, scale: spec.scale)
    })
  DataSources.loaders.add(
    DataLoader(format: "text") { spec, context throws(DataError) in
      let (data, words) = try TextDataset.load(
        path: spec.path, vocabularySize: spec.vocabulary, length: spec.length,
        vocabulary: context.vocabulary)
      context.vocabulary = words
      return data
    })
  DataSources.loaders.add(
    DataLoader(format: "chars") { spec, context throws(DataError) in
      guard spec.vocabulary == 0 || spec.vocabulary >= 3 else {
        throw DataError(
          spec.path, "a vocabulary of \(spec.vocabulary) leaves no room for characters",
          help: "ids 0 and 1 are padding and unknown; omit `vocabulary:` to keep every character")
      }
      let (data, characters) = try CharacterDataset.load(
        path: spec.path, length: spec.length,
        vocabularySize: spec.vocabulary == 0 ? nil : spec.vocabulary,
        vocabulary: context.vocabulary)
      context.vocabulary = characters
      return data
    })
}
