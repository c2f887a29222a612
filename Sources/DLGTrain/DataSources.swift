import DLGData
import DLGGraph

/// Loads the dataset a `train` section names, and checks it fits the model before training.
enum DataSources {
  static func load(_ spec: DataSourceSpec) throws(TrainingError) -> Dataset {
    switch spec.format {
    case "idx":
      do {
        return try IDXDataset.load(directory: spec.path, split: spec.split, scale: spec.scale)
      } catch {
        throw .data("\(spec.location.description): \(error.description)")
      }
    default:
      throw .data("\(spec.location.description): unknown data source `\(spec.format)`")
    }
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
